package io.jperf.perf;

import io.jperf.symbols.ElfFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A perf event by name, in perf's spellings: software events ({@code cpu}, the default, is {@code cpu-clock}),
 * hardware and cache events, tracepoints ({@code syscalls:sys_enter_connect}), user probes
 * ({@code uprobe:/path/lib.so:symbol}, {@code ...%return}) and kernel probes ({@code kprobe:tcp_sendmsg}). A probe
 * names its target through a string the kernel reads at open ({@link #probeTarget}) and an offset.
 */
public record EventSpec(String name, Kind kind, int type, long config, String probeTarget, long probeOffset) {
    public static final int TYPE_HARDWARE = 0;
    public static final int TYPE_SOFTWARE = 1;
    public static final int TYPE_TRACEPOINT = 2;
    public static final int TYPE_HW_CACHE = 3;
    private static final Path EVENT_SOURCES = Path.of("/sys/bus/event_source/devices");
    /** A wildcard may stand for this many tracepoints at most: each is opened for every thread and CPU. */
    private static final int MAX_EXPANSION = 64;

    /** The groups of {@code perf list}. */
    public enum Kind {
        SOFTWARE("Software event"), HARDWARE("Hardware event"), HW_CACHE("Hardware cache event"),
        TRACEPOINT("Tracepoint event"), UPROBE("User probe"), KPROBE("Kernel probe");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private static final Map<String, EventSpec> NAMED = new LinkedHashMap<>();
    private static final List<String> CACHES = List.of("L1-dcache", "L1-icache", "LLC", "dTLB", "iTLB", "branch",
            "node");
    private static final List<String> CACHE_OPS = List.of("load", "store", "prefetch");

    static {
        software(0, "cpu-clock", "cpu");
        software(1, "task-clock");
        software(2, "page-faults", "faults");
        software(3, "context-switches", "cs");
        software(4, "cpu-migrations", "migrations");
        software(5, "minor-faults");
        software(6, "major-faults");
        software(7, "alignment-faults");
        software(8, "emulation-faults");
        hardware(0, "cycles", "cpu-cycles");
        hardware(1, "instructions");
        hardware(2, "cache-references");
        hardware(3, "cache-misses");
        hardware(4, "branch-instructions", "branches");
        hardware(5, "branch-misses");
        hardware(6, "bus-cycles");
        hardware(7, "stalled-cycles-frontend", "idle-cycles-frontend");
        hardware(8, "stalled-cycles-backend", "idle-cycles-backend");
        hardware(9, "ref-cycles");
        for (int c = 0; c < CACHES.size(); c++) {
            for (int op = 0; op < CACHE_OPS.size(); op++) {
                String base = CACHES.get(c) + "-" + CACHE_OPS.get(op);
                long config = c | (long) op << 8;
                named(new EventSpec(base + (op == 2 ? "es" : "s"), Kind.HW_CACHE, TYPE_HW_CACHE, config, null, 0));
                named(new EventSpec(base + "-misses", Kind.HW_CACHE, TYPE_HW_CACHE, config | 1L << 16, null, 0));
            }
        }
    }

    private static void software(int config, String name, String... aliases) {
        EventSpec spec = new EventSpec(name, Kind.SOFTWARE, TYPE_SOFTWARE, config, null, 0);
        named(spec, aliases);
    }

    private static void hardware(int config, String name, String... aliases) {
        named(new EventSpec(name, Kind.HARDWARE, TYPE_HARDWARE, config, null, 0), aliases);
    }

    private static void named(EventSpec spec, String... aliases) {
        NAMED.put(spec.name, spec);
        for (String alias : aliases) {
            NAMED.put(alias, spec);
        }
    }

    /** The software, hardware and cache events by their main names, in perf list's order. */
    public static List<EventSpec> predefined() {
        return NAMED.entrySet().stream().filter(e -> e.getKey().equals(e.getValue().name)).map(Map.Entry::getValue)
                .toList();
    }

    /** The other names of a predefined event ({@code cpu} for cpu-clock). */
    public static List<String> aliasesOf(EventSpec spec) {
        return NAMED.entrySet().stream().filter(e -> e.getValue().equals(spec) && !e.getKey().equals(spec.name))
                .map(Map.Entry::getKey).toList();
    }

    /** An event that cannot be had: unknown, or missing on this system; the message says which and why. */
    public static final class UnknownEventException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownEventException(String message) {
            super(message);
        }
    }

    /** One event; a tracepoint wildcard is refused here (see {@link #parseAll}). */
    public static EventSpec parse(String text) throws UnknownEventException {
        List<EventSpec> all = parseAll(text);
        if (all.size() != 1) {
            throw new UnknownEventException("'" + text + "' names " + all.size() + " events; give one");
        }
        return all.get(0);
    }

    /** One event, or every tracepoint a wildcard ({@code sched:sched_*}) matches. */
    public static List<EventSpec> parseAll(String text) throws UnknownEventException {
        String name = text == null ? "" : text.trim();
        EventSpec spec = NAMED.get(name);
        if (spec != null) {
            return List.of(spec);
        }
        if (name.startsWith("uprobe:")) {
            return List.of(uprobe(name));
        }
        if (name.startsWith("kprobe:")) {
            return List.of(kprobe(name));
        }
        int colon = name.indexOf(':');
        if (colon > 0 && colon < name.length() - 1 && name.indexOf(':', colon + 1) < 0) {
            return tracepoints(name, name.substring(0, colon), name.substring(colon + 1));
        }
        throw new UnknownEventException("unknown event '" + name + "'; events: " + String.join(", ",
                NAMED.keySet().stream().filter(n -> NAMED.get(n).kind == Kind.SOFTWARE).toList())
                + ", hardware events such as cycles, tracepoints SYSTEM:NAME, uprobe:PATH:SYMBOL[%return],"
                + " kprobe:FUNCTION[%return] ('jperf list' shows them)");
    }

    private static List<EventSpec> tracepoints(String text, String system, String event)
            throws UnknownEventException {
        TraceFs fs = traceFs();
        List<String[]> matches = new ArrayList<>();
        if (system.contains("*") || event.contains("*")) {
            Pattern sys = glob(system);
            Pattern ev = glob(event);
            for (String s : fs.systems()) {
                if (sys.matcher(s).matches()) {
                    for (String e : fs.events(s)) {
                        if (ev.matcher(e).matches()) {
                            matches.add(new String[] {s, e});
                        }
                    }
                }
            }
            if (matches.isEmpty()) {
                throw new UnknownEventException("no tracepoint matches '" + text + "'; 'jperf list' shows them");
            }
            if (matches.size() > MAX_EXPANSION) {
                throw new UnknownEventException("'" + text + "' matches " + matches.size() + " tracepoints; at most "
                        + MAX_EXPANSION + " at once (jperf stat and trace count syscalls by name)");
            }
        } else {
            matches.add(new String[] {system, event});
        }
        List<EventSpec> specs = new ArrayList<>();
        for (String[] m : matches) {
            try {
                specs.add(new EventSpec(m[0] + ":" + m[1], Kind.TRACEPOINT, TYPE_TRACEPOINT, fs.id(m[0], m[1]), null,
                        0));
            } catch (PerfException e) {
                throw new UnknownEventException(e.getMessage());
            }
        }
        return specs;
    }

    static TraceFs traceFs() throws UnknownEventException {
        try {
            return TraceFs.find();
        } catch (PerfException e) {
            throw new UnknownEventException(e.getMessage());
        }
    }

    /** A glob with {@code *} as a pattern. */
    public static Pattern glob(String pattern) {
        return Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q"));
    }

    /** {@code uprobe:PATH:SYMBOL[+OFFSET][%return]} or {@code uprobe:PATH:0xOFFSET}: the file offset from ELF. */
    private static EventSpec uprobe(String text) throws UnknownEventException {
        boolean ret = text.endsWith("%return");
        String body = text.substring("uprobe:".length(), text.length() - (ret ? "%return".length() : 0));
        int colon = body.lastIndexOf(':');
        if (colon <= 0 || colon == body.length() - 1 || !body.startsWith("/")) {
            throw new UnknownEventException("bad uprobe '" + text + "': write uprobe:/absolute/path/lib.so:symbol"
                    + " (or ...:symbol%return)");
        }
        Path file = Path.of(body.substring(0, colon));
        String where = body.substring(colon + 1);
        int type = probeType("uprobe", "uprobes are not available on this kernel (no " + EVENT_SOURCES
                + "/uprobe; it needs CONFIG_UPROBE_EVENTS)");
        long offset;
        try {
            offset = fileOffset(file, where);
        } catch (IOException e) {
            throw new UnknownEventException("bad uprobe '" + text + "': " + e.getMessage());
        }
        return new EventSpec(text, Kind.UPROBE, type, ret ? retprobeBit("uprobe") : 0, file.toString(), offset);
    }

    /** The file offset of a symbol (plus an offset) or of a hex offset given as such. */
    private static long fileOffset(Path file, String where) throws IOException {
        if (where.startsWith("0x")) {
            return parseHex(where);
        }
        int plus = where.indexOf('+');
        String symbol = plus < 0 ? where : where.substring(0, plus);
        long extra = plus < 0 ? 0 : parseHex(where.substring(plus + 1));
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such file " + file);
        }
        ElfFile elf = ElfFile.open(file);
        long address = elf.functionAddress(symbol);
        if (address < 0) {
            throw new IOException("no function '" + symbol + "' in " + file);
        }
        long offset = elf.fileOffsetOf(address + extra);
        if (offset < 0) {
            throw new IOException("'" + where + "' is outside the loaded code of " + file);
        }
        return offset;
    }

    private static long parseHex(String text) throws IOException {
        try {
            return Long.parseUnsignedLong(text.startsWith("0x") ? text.substring(2) : text, 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad offset '" + text + "' (hex, like 0x1f)");
        }
    }

    /** {@code kprobe:FUNCTION[+OFFSET][%return]}. */
    private static EventSpec kprobe(String text) throws UnknownEventException {
        boolean ret = text.endsWith("%return");
        String body = text.substring("kprobe:".length(), text.length() - (ret ? "%return".length() : 0));
        int plus = body.indexOf('+');
        String function = plus < 0 ? body : body.substring(0, plus);
        if (!function.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
            throw new UnknownEventException("bad kprobe '" + text + "': write kprobe:function (or kprobe:function"
                    + "%return)");
        }
        long offset;
        try {
            offset = plus < 0 ? 0 : parseHex(body.substring(plus + 1));
        } catch (IOException e) {
            throw new UnknownEventException("bad kprobe '" + text + "': " + e.getMessage());
        }
        int type = probeType("kprobe", kprobesMissing());
        return new EventSpec(text, Kind.KPROBE, type, ret ? retprobeBit("kprobe") : 0, function, offset);
    }

    /** Why kprobes cannot be used here, or null when they can. */
    public static String kprobesMissing() {
        return Files.exists(EVENT_SOURCES.resolve("kprobe")) ? null
                : "kprobes are not available on this kernel (no " + EVENT_SOURCES + "/kprobe; it needs"
                        + " CONFIG_KPROBES and CONFIG_KPROBE_EVENTS): probe user code with uprobe:PATH:SYMBOL, or"
                        + " use a tracepoint";
    }

    /** Why uprobes cannot be used here, or null when they can. */
    public static String uprobesMissing() {
        return Files.exists(EVENT_SOURCES.resolve("uprobe")) ? null
                : "uprobes are not available on this kernel (no " + EVENT_SOURCES + "/uprobe; it needs"
                        + " CONFIG_UPROBE_EVENTS)";
    }

    private static int probeType(String pmu, String missing) throws UnknownEventException {
        try {
            return Integer.parseInt(Files.readString(EVENT_SOURCES.resolve(pmu).resolve("type")).trim());
        } catch (IOException | NumberFormatException e) {
            throw new UnknownEventException(missing == null ? "cannot read the " + pmu + " type: " + e : missing);
        }
    }

    /** The config bit that makes a probe a return probe, from the PMU's format ("config:0"). */
    private static long retprobeBit(String pmu) throws UnknownEventException {
        try {
            String format = Files.readString(EVENT_SOURCES.resolve(pmu).resolve("format/retprobe")).trim();
            return 1L << Integer.parseInt(format.substring(format.indexOf(':') + 1));
        } catch (IOException | RuntimeException e) {
            throw new UnknownEventException("this kernel has no return " + pmu + "s (" + e.getMessage() + ")");
        }
    }

    /** Whether the period is a time in nanoseconds (cpu-clock, task-clock) rather than a count of events. */
    public boolean isClock() {
        return type == TYPE_SOFTWARE && (config == 0 || config == 1);
    }

    /** The default sampling period: 10 ms of CPU time for clocks, every event otherwise. */
    public long defaultPeriod() {
        return isClock() ? 10_000_000L : kind == Kind.HARDWARE || kind == Kind.HW_CACHE ? 1_000_003L : 1;
    }

    /** What to do when the kernel refuses this event with {@code errno} although the name is right. */
    String unavailable(int errno) {
        if ((kind == Kind.HARDWARE || kind == Kind.HW_CACHE) && (errno == 2 || errno == 19 || errno == 95)) {
            return "hardware event '" + name + "' is not available: this machine has no hardware PMU for perf (in a"
                    + " VM the hypervisor must expose one); count or sample cpu-clock or task-clock instead";
        }
        if ((kind == Kind.TRACEPOINT || kind == Kind.UPROBE || kind == Kind.KPROBE) && (errno == 1 || errno == 13)) {
            return kind.label.toLowerCase(java.util.Locale.ROOT) + " '" + name + "' refused: tracepoints and probes"
                    + " need root or CAP_PERFMON (kernel.perf_event_paranoid is " + PerfEvent.paranoid() + ")";
        }
        return null;
    }
}

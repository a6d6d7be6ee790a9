package io.jperf.agent;

import io.jperf.output.OutputFormat;
import io.jperf.perf.EventSpec;
import io.jperf.perf.Sampler;
import io.jperf.perfmap.NameStyle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's options: {@code action,key=value,...}, the one grammar shared by -javaagent, attach and the jperf
 * command. Flags take no value; keys take exactly one.
 */
public final class AgentOptions {
    /** Known options: name → value placeholder ("" for flags). Order is the order usage lists them. */
    private static final Map<String, String> KNOWN = new LinkedHashMap<>();

    /** Options that may be given more than once. */
    private static final java.util.Set<String> REPEATABLE = java.util.Set.of("include", "exclude", "event");

    static {
        KNOWN.put("start", "");
        KNOWN.put("stop", "");
        KNOWN.put("dump", "");
        KNOWN.put("status", "");
        KNOWN.put("list", "");
        KNOWN.put("event", "NAME");
        KNOWN.put("filter", "EXPR");
        KNOWN.put("interval", "TIME");
        KNOWN.put("freq", "HZ");
        KNOWN.put("file", "PATH");
        KNOWN.put("format", "FORMAT");
        KNOWN.put("duration", "TIME");
        KNOWN.put("timeout", "TIME");
        KNOWN.put("threads", "");
        KNOWN.put("include", "PATTERN");
        KNOWN.put("exclude", "PATTERN");
        KNOWN.put("loop", "TIME");
        KNOWN.put("rings", "MODE");
        KNOWN.put("cstack", "MODE");
        KNOWN.put("stackcopy", "BYTES");
        KNOWN.put("stat", "");
        KNOWN.put("perthread", "");
        KNOWN.put("detailed", "");
        KNOWN.put("trace", "");
        KNOWN.put("summary", "");
        KNOWN.put("stack", "");
        KNOWN.put("control", "");
        KNOWN.put("jmx", "");
        KNOWN.put("send", "");
        KNOWN.put("perfmap", "");
        KNOWN.put("jitdump", "");
        KNOWN.put("nosymbols", "");
        KNOWN.put("jitdumpdir", "DIR");
        KNOWN.put("dot", "");
        KNOWN.put("sig", "");
        KNOWN.put("unfold", "");
        KNOWN.put("lines", "");
        KNOWN.put("ann", "");
        KNOWN.put("stats", "FILE");
    }

    /** Measured: deep enough for the native frames and the Java frames of common stacks (see README, cstack). */
    static final int DEFAULT_STACK_COPY = 16 * 1024;
    private static final int MIN_STACK_COPY = 512;
    private static final int MAX_STACK_COPY = 65528;

    private final Map<String, String> values;
    private final Map<String, List<String>> repeated;

    private AgentOptions(Map<String, String> values, Map<String, List<String>> repeated) {
        this.values = values;
        this.repeated = repeated;
    }

    /** Thrown for options that cannot be understood; the message is one jperf line. */
    public static final class BadOptionException extends Exception {
        private static final long serialVersionUID = 1L;

        BadOptionException(String message) {
            super(message);
        }
    }

    public static AgentOptions parse(String text) throws BadOptionException {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, List<String>> repeated = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return new AgentOptions(values, repeated);
        }
        for (String item : text.split(",", -1)) {
            String token = item.strip();
            if (token.isEmpty()) {
                continue;
            }
            int eq = token.indexOf('=');
            String key = eq < 0 ? token : token.substring(0, eq).strip();
            String value = eq < 0 ? null : token.substring(eq + 1).strip();
            String placeholder = KNOWN.get(key);
            if (placeholder == null) {
                throw new BadOptionException("unknown option '" + key + "' in '" + text + "'; known options: "
                        + usage());
            }
            if (placeholder.isEmpty() && value != null) {
                throw new BadOptionException("option '" + key + "' takes no value (got '" + token + "')");
            }
            if (!placeholder.isEmpty() && (value == null || value.isEmpty())) {
                throw new BadOptionException("option '" + key + "' needs a value: " + key + "=" + placeholder);
            }
            values.put(key, value == null ? "" : value);
            if (REPEATABLE.contains(key)) {
                repeated.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            }
        }
        AgentOptions options = new AgentOptions(values, repeated);
        options.validate();
        return options;
    }

    /** Checks values whose form is known now, so a bad one is reported before anything starts. */
    private void validate() throws BadOptionException {
        for (String event : all("event")) {
            if (has("stat") && event.startsWith("syscalls:sys_enter_") && event.contains("*")) {
                continue; // counted by name, not as one counter per call
            }
            try {
                EventSpec.parseAll(event);
            } catch (EventSpec.UnknownEventException e) {
                throw new BadOptionException(e.getMessage());
            }
        }
        if (has("stat") && has("trace")) {
            throw new BadOptionException("give either stat (count events) or trace (follow system calls), not both");
        }
        if (has("interval") && has("freq")) {
            throw new BadOptionException("give either interval= or freq=, not both");
        }
        if (has("interval") && interval() <= 0) {
            throw new BadOptionException("bad interval '" + get("interval") + "': it must be above zero");
        }
        if (has("freq")) {
            long hz = number("freq", get("freq"));
            if (hz <= 0 || hz > 100_000) {
                throw new BadOptionException("bad freq '" + get("freq") + "': use 1 to 100000 samples per second");
            }
        }
        for (String key : List.of("duration", "timeout", "loop")) {
            if (has(key) && seconds(key) <= 0) {
                throw new BadOptionException("bad " + key + " '" + get(key) + "': it must be above zero");
            }
        }
        if (has("rings") && !List.of("auto", "cpu", "thread").contains(get("rings"))) {
            throw new BadOptionException("bad rings '" + get("rings") + "': use auto, cpu or thread");
        }
        if (has("cstack") && get("cstack").equals("vm")) {
            throw new BadOptionException("cstack=vm (jperf's own HotSpot frame walker) is not available yet: use"
                    + " cstack=dwarf (or auto)");
        }
        if (has("cstack") && !List.of("auto", "fp", "dwarf").contains(get("cstack"))) {
            throw new BadOptionException("bad cstack '" + get("cstack") + "': use auto, fp or dwarf");
        }
        if (has("stackcopy")) {
            stackCopyBytes();
        }
        if (has("format") && OutputFormat.named(get("format")) == null) {
            throw new BadOptionException("unknown format '" + get("format")
                    + "'; formats: flamegraph (html), collapsed, report, data, script");
        }
    }

    /** The ring layout asked for, or null to let the sampler choose. */
    /**
     * How user stacks are walked: fp (the kernel's frame-pointer chain) or dwarf (stack copies unwound by DWARF
     * call frame information and HotSpot's frame layout). auto is dwarf, as even with -XX:+PreserveFramePointer the
     * kernel's chain loses the callers of native code built without frame pointers and names no interpreted method;
     * but fp when some event is recorded at every occurrence (a tracepoint, a probe): a burst of those, each with its
     * stack copy, would overflow any ring.
     */
    public String cstack(boolean everyOccurrence) {
        String mode = get("cstack");
        return mode != null && !mode.equals("auto") ? mode : everyOccurrence ? "fp" : "dwarf";
    }

    /**
     * Bytes of user stack each sample copies with cstack=dwarf ({@code stackcopy=16k}): deeper stacks go on with the
     * kernel's frame-pointer chain where it has them. The kernel takes at most 65528, a multiple of 8.
     */
    public int stackCopyBytes() throws BadOptionException {
        String text = get("stackcopy");
        if (text == null) {
            return DEFAULT_STACK_COPY;
        }
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        boolean kib = t.endsWith("k");
        long bytes;
        try {
            bytes = Long.parseLong(kib ? t.substring(0, t.length() - 1) : t) * (kib ? 1024 : 1);
        } catch (NumberFormatException e) {
            bytes = -1;
        }
        if (bytes < MIN_STACK_COPY || bytes > MAX_STACK_COPY) {
            throw new BadOptionException("bad stackcopy '" + text + "': use " + MIN_STACK_COPY + " to "
                    + MAX_STACK_COPY + " bytes, or 1k to 63k");
        }
        return (int) (bytes + 7) & ~7;
    }

    public Sampler.Mode rings() {
        String r = get("rings");
        return "cpu".equals(r) ? Sampler.Mode.PER_CPU : "thread".equals(r) ? Sampler.Mode.PER_THREAD : null;
    }

    /** Every value of a repeatable option, in order. */
    public List<String> all(String key) {
        return repeated.getOrDefault(key, List.of());
    }

    /**
     * The sampling interval: nanoseconds for clock events ({@code 10ms}, {@code 500us}, {@code 1s}, or a plain
     * number of ns), a count of events otherwise.
     */
    public long interval() throws BadOptionException {
        return duration("interval", get("interval"), 1);
    }

    /** A duration option (duration, timeout, loop) in nanoseconds; a plain number is seconds. */
    public long seconds(String key) throws BadOptionException {
        return duration(key, get(key), 1_000_000_000L);
    }

    private static final java.util.regex.Pattern DURATION =
            java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(ns|us|ms|s|m|h)?");

    private static long duration(String key, String text, long plainUnit) throws BadOptionException {
        java.util.regex.Matcher m = DURATION.matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new BadOptionException("bad " + key + " '" + text + "': use a number with ns, us, ms, s, m or h"
                    + " (e.g. " + key + "=" + (key.equals("interval") ? "1ms" : "30s") + ")");
        }
        long unit = m.group(2) == null ? plainUnit : switch (m.group(2)) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        double value = Double.parseDouble(m.group(1)) * unit;
        if (value > Long.MAX_VALUE) {
            throw new BadOptionException("bad " + key + " '" + text + "': too large");
        }
        return Math.round(value);
    }

    private static long number(String key, String text) throws BadOptionException {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new BadOptionException("bad " + key + " '" + text + "': a whole number is needed");
        }
    }

    /** Samples per second from {@code freq=}, or 0 when the interval decides. */
    public long frequency() throws BadOptionException {
        return has("freq") ? number("freq", get("freq")) : 0;
    }

    static String usage() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : KNOWN.entrySet()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.getKey());
            if (!e.getValue().isEmpty()) {
                sb.append('=').append(e.getValue());
            }
        }
        return sb.toString();
    }

    public boolean has(String flag) {
        return values.containsKey(flag);
    }

    public String get(String key) {
        return values.get(key);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public NameStyle nameStyle() {
        return new NameStyle(has("dot"), has("sig"), has("unfold"), has("lines"), has("ann"));
    }

    /** Where to write JIT-symbol statistics when the JVM exits; null for nowhere. */
    public Path statsFile() {
        String file = get("stats");
        return file == null ? null : Path.of(file);
    }

    /** Where to write the jitdump; null for perf's default location. */
    public Path jitdumpDir() {
        String dir = get("jitdumpdir");
        return dir == null ? null : Path.of(dir);
    }
}

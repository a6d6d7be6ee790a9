package io.jperf.it;

import io.jperf.symbols.ElfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Events beyond CPU against workloads that know their own counts: every write(2) of the writer thread, page faults of a
 * thread touching fresh pages, context switches of a sleeping thread, calls of zlib's deflate() through a uprobe, and
 * the syscall summary of trace. Then jperf list against tracefs and sysfs, and the messages where the kernel has no
 * PMU, no kprobes or no tracefs.
 */
class EventsIT {
    private static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    private static final Path EVENT_SOURCES = Path.of("/sys/bus/event_source/devices");
    private static final int WRITES = 5000;
    /** Warm-up writes the samples workload makes before its counted ones (see samples Main). */
    private static final int WARM_UP_WRITES = 20_000;

    /** A filter on the size keeps exactly the counted writes; each one's stack names the Java method that wrote. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void everyWriteIsRecordedUnderTheWritingMethod(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-events-");
        try {
            Path out = dir.resolve("writes.collapsed");
            Proc.Result r = Proc.jperf(jdk, "record", "-e", "syscalls:sys_enter_write", "--filter", "count == 16",
                    "--threads", "-o", out.toString(), "--", jdk.java().toString(), "-XX:+PreserveFramePointer",
                    "-Xbatch", "-jar", Target.SAMPLES_JAR.toString(), "writes", "0", String.valueOf(WRITES))
                    .assertOk();
            assertTrue(r.out().contains("writer: " + WRITES + " operations"), r.out());
            List<Profiles.Stack> writer = Profiles.collapsed(out).stream()
                    .filter(s -> s.thread().equals("writer")).toList();
            long events = writer.stream().mapToLong(Profiles.Stack::count).sum();
            long named = writer.stream().filter(s -> s.has("io/jperf/samples/Workloads\\.writeRecord_\\[[ji]\\]"))
                    .mapToLong(Profiles.Stack::count).sum();
            System.out.printf("%s: %d write events on the writer thread (%d made), %d under Workloads.writeRecord%n",
                    jdk, events, WRITES, named);
            assertEquals(WRITES, events, "sys_enter_write events of 16 bytes on the writer thread");
            assertEquals(WRITES, named, "write events whose stack has Workloads.writeRecord");
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /** A filter the kernel refuses is one line at start, and the application runs on. */
    @Test
    void refusedFilterIsOneLine() throws Exception {
        try (Target t = Target.with(Jdks.current())
                .agent("start,event=syscalls:sys_enter_write,filter=nosuchfield > 1,file=/dev/null")
                .start("hello", 0)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)), t.stderr());
            List<String> lines = BadInputIT.jperfLines(t.stderr());
            assertEquals(1, lines.size(), t.stderr());
            assertTrue(lines.get(0).contains("filter") && lines.get(0).contains("nosuchfield"), lines.get(0));
            assertTrue(t.stdout().contains("hello"), t.stdout());
        }
    }

    @Test
    void pageFaultsCountOnTheThreadThatTouchedThePages() throws Exception {
        int pages = 5000;
        Map<String, long[]> rows = perThread("pages", pages, "page-faults,context-switches");
        long faults = rows.get("pager")[0];
        System.out.printf("pager: %d page faults for %d fresh pages%n", faults, pages);
        assertTrue(faults >= pages, "page faults of the pager thread: " + faults);
        assertTrue(rows.get("main")[0] < pages / 2, "the main thread has the pager's faults");
    }

    @Test
    void sleepsAreContextSwitchesOfTheSleepingThread() throws Exception {
        int sleeps = 500;
        Map<String, long[]> rows = perThread("sleeps", sleeps, "context-switches,page-faults");
        long switches = rows.get("sleeper")[0];
        System.out.printf("sleeper: %d context switches for %d sleeps%n", switches, sleeps);
        assertTrue(switches >= sleeps, "context switches of the sleeper thread: " + switches);
        assertTrue(rows.get("main")[0] < sleeps / 2, "the main thread has the sleeper's switches");
    }

    /** {@code jperf stat --per-thread} of a counted workload: each Java thread's counts, in the order of the events. */
    private static Map<String, long[]> perThread(String workload, int count, String events) throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        Path out = Files.createTempFile("jperf-stat-", ".txt");
        try {
            Proc.jperf(jdk, "stat", "-e", events, "--per-thread", "-o", out.toString(), "--", jdk.java().toString(),
                    "-jar", Target.SAMPLES_JAR.toString(), workload, "0", String.valueOf(count)).assertOk();
            String text = Files.readString(out);
            System.out.print(text);
            Map<String, long[]> rows = new TreeMap<>();
            Matcher m = Pattern.compile("(?m)^ (\\S.*?) +(\\d+) +([\\d,]+) +([\\d,]+)$").matcher(text);
            while (m.find()) {
                rows.put(m.group(1), new long[] {number(m.group(3)), number(m.group(4))});
            }
            assertTrue(rows.containsKey("main") && rows.size() > 3, text);
            return rows;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A uprobe on zlib's deflate (the system libz, or the copy a JDK bundles) counts exactly the calls made. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void uprobeCountsEveryCall(Jdks.Jdk jdk) throws Exception {
        int calls = 3000;
        String lib = zlibOf(jdk).toString();
        String entry = "uprobe:" + lib + ":deflate";
        String exit = entry + "%return";
        Proc.Result r = Proc.jperf(jdk, "stat", "-e", entry + "," + exit, "--", jdk.java().toString(), "-jar",
                Target.SAMPLES_JAR.toString(), "deflates", "0", String.valueOf(calls)).assertOk();
        System.out.print(r.out());
        assertTrue(r.out().contains("deflater: " + calls + " operations"), r.out());
        assertEquals(calls, total(r.out(), entry), r.out());
        assertEquals(calls, total(r.out(), exit), r.out());
    }

    /**
     * A uprobe sampled with stacks: every call recorded under the Java method that made it; and threads started
     * after many calls (the JVM's exit hooks) still start: the kernel reads the probe's path again each time an
     * inherited event is copied to a new thread.
     */
    @Test
    void uprobeRecordsEveryCallUnderItsJavaCaller() throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        int calls = 30_000;
        Path dir = Files.createTempDirectory("jperf-events-");
        try {
            Path out = dir.resolve("deflate.collapsed");
            Proc.Result r = Proc.jperf(jdk, "record", "-e", "uprobe:" + zlibOf(jdk) + ":deflate", "--threads", "-o",
                    out.toString(), "--", jdk.java().toString(), "-XX:+PreserveFramePointer", "-Xbatch", "-jar",
                    Target.SAMPLES_JAR.toString(), "deflates", "0", String.valueOf(calls)).assertOk();
            assertTrue(!r.err().contains("Failed to start"), r.err());
            assertTrue(r.err().contains(out + " written"), r.err());
            List<Profiles.Stack> deflater = Profiles.collapsed(out).stream()
                    .filter(s -> s.thread().equals("deflater")).toList();
            long events = deflater.stream().mapToLong(Profiles.Stack::count).sum();
            long named = deflater.stream().filter(s -> s.has("java/util/zip/Deflater\\.deflateBytesBytes_\\[j\\]"))
                    .mapToLong(Profiles.Stack::count).sum();
            System.out.printf("%s: %d deflate() calls recorded (%d made), %d under Deflater.deflateBytesBytes%n", jdk,
                    events, calls, named);
            assertEquals(calls, events);
            assertTrue(named >= calls * 0.95, "too few calls under Deflater.deflateBytesBytes: " + named);
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /** Where the JDK's java.util.zip finds deflate(): bundled in libzip.so (Temurin), else the system's libz. */
    private static Path zlibOf(Jdks.Jdk jdk) throws IOException {
        Path libzip = jdk.home().resolve("lib/libzip.so");
        if (ElfFile.open(libzip).functionAddress("deflate") > 0) {
            return libzip;
        }
        for (String dir : List.of("/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64")) {
            Path libz = Path.of(dir, "libz.so.1");
            if (Files.exists(libz)) {
                return libz.toRealPath();
            }
        }
        throw new AssertionError("no libz.so.1 and no deflate in " + libzip);
    }

    /**
     * {@code trace -s}: the writer thread's write count is every write it made, warm-up and counted. A machine that
     * stalls the reader longer than the rings hold loses calls; a run that did must say so and count them, and is
     * tried again (at most twice), as the count can only be checked whole.
     */
    @Test
    void traceSummaryCountsEveryWrite() throws Exception {
        List<String> lossy = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            TracedWrites t = traceWrites(WRITES);
            if (t.lost == 0) {
                assertEquals(WARM_UP_WRITES + WRITES, t.writes, t.text);
                return;
            }
            lossy.add(t.lost + " lost");
        }
        throw new AssertionError("every run lost calls: " + lossy);
    }

    /**
     * A reader slower than the writer (the target runs interpreted, -Xint, and each call is two records to read)
     * loses calls while the rings are full, up to the last ones: every write that is not in the count is among the
     * calls counted lost. The kernel writes its LOST record only with the ring's next record, which after the last
     * write may never come; until jperf read the events' own lost counts this said {@code lost: 0}, 42 000 short.
     */
    @Test
    void traceCountsTheCallsItLoses() throws Exception {
        assumeTrue(Integer.parseInt(System.getProperty("os.version").split("\\.")[0]) >= 6,
                "before Linux 6.0 events keep no lost count: only LOST records say losses");
        int writes = 50_000;
        TracedWrites t = traceWrites(writes, "-Xint");
        long missing = WARM_UP_WRITES + writes - t.writes;
        assumeTrue(missing > 0 || t.lost > 0, "the reader kept up: nothing was lost to count");
        assertTrue(t.lost >= missing, missing + " writes missing, " + t.lost + " calls counted lost\n" + t.text);
    }

    /** A trace's write count for the writer thread and its lost calls; a loss must also be said, once. */
    private record TracedWrites(long writes, long lost, String text) {
    }

    private static TracedWrites traceWrites(int writes, String... jvmOptions) throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        Path out = Files.createTempFile("jperf-trace-", ".txt");
        try {
            List<String> command = new ArrayList<>(List.of("trace", "-s", "-o", out.toString(), "--",
                    jdk.java().toString()));
            command.addAll(List.of(jvmOptions));
            command.addAll(List.of("-jar", Target.SAMPLES_JAR.toString(), "writes", "0", String.valueOf(writes)));
            Proc.Result r = Proc.jperf(jdk, command.toArray(String[]::new)).assertOk();
            String text = Files.readString(out);
            System.out.print(text);
            long lost = Long.parseLong(Profiles.header(text).get("lost"));
            long said = BadInputIT.jperfLines(r.err()).stream()
                    .filter(l -> l.startsWith("jperf: system calls lost: the rings filled")).count();
            assertEquals(lost > 0 ? 1 : 0, said, r.err());
            int thread = text.indexOf("\n writer (");
            assertTrue(thread >= 0, text);
            Matcher m = Pattern.compile("(?m)^ +write +(\\d+) ").matcher(text.substring(thread));
            assertTrue(m.find(), text);
            return new TracedWrites(Long.parseLong(m.group(1)), lost, text);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Every tracepoint in tracefs is listed, and the PMU, uprobe and kprobe lines agree with sysfs. */
    @Test
    void listAgreesWithTracefsAndSysfs() throws Exception {
        String list = Proc.jperf(Jdks.current(), "list").assertOk().out();
        TreeSet<String> tracefs = new TreeSet<>();
        try (Stream<Path> ids = Files.find(TRACEFS.resolve("events"), 3, (p, a) -> p.getFileName().toString()
                .equals("id"))) {
            ids.forEach(id -> tracefs.add(id.getParent().getParent().getFileName() + ":"
                    + id.getParent().getFileName()));
        }
        TreeSet<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^  (\\S+) +\\[Tracepoint event\\]$").matcher(list);
        while (m.find()) {
            listed.add(m.group(1));
        }
        assertTrue(tracefs.size() > 100, "tracefs has " + tracefs.size() + " events");
        assertEquals(tracefs, listed);
        for (String sw : List.of("cpu-clock", "task-clock", "page-faults", "minor-faults", "major-faults",
                "context-switches", "cpu-migrations")) {
            assertTrue(Pattern.compile("(?m)^  (\\S+ OR )*" + sw + "( OR \\S+)* +\\[Software event\\]$").matcher(list)
                    .find(), sw + " missing:\n" + list);
        }
        boolean pmu = hasPmu();
        assertEquals(pmu, list.contains("[Hardware event]"), list);
        assertEquals(!pmu, list.contains("(no hardware events: "), list);
        assertEquals(Files.exists(EVENT_SOURCES.resolve("uprobe")), list.contains("[User probe: available]"), list);
        assertEquals(Files.exists(EVENT_SOURCES.resolve("kprobe")), list.contains("[Kernel probe: available]"), list);

        String sched = Proc.jperf(Jdks.current(), "list", "sched:*").assertOk().out();
        assertTrue(sched.contains("sched:sched_switch"), sched);
        assertTrue(!sched.contains("syscalls:") && !sched.contains("[Software event]"), sched);
    }

    /** Hardware events on a machine without a PMU: one line, before any JVM starts; in the agent, the JVM runs on. */
    @Test
    void noPmuIsOneLine() throws Exception {
        assumeFalse(hasPmu(), "this machine has a PMU");
        Proc.Result r = recordSamples("-e", "cycles");
        assertOneLine(r, "no hardware PMU");
        try (Target t = Target.with(Jdks.current()).agent("start,event=cycles,file=/dev/null").start("hello", 0)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)), t.stderr());
            List<String> lines = BadInputIT.jperfLines(t.stderr());
            assertEquals(1, lines.size(), t.stderr());
            assertTrue(lines.get(0).contains("no hardware PMU"), lines.get(0));
            assertTrue(t.stdout().contains("hello"), t.stdout());
        }
    }

    @Test
    void noKprobesIsOneLine() throws Exception {
        assumeFalse(Files.exists(EVENT_SOURCES.resolve("kprobe")), "this kernel has kprobes");
        assertOneLine(recordSamples("-e", "kprobe:tcp_sendmsg"), "kprobes");
    }

    /** With tracefs unmounted (in a mount namespace of the test's own), tracepoints and trace say how to mount it. */
    @Test
    void noTracefsIsOneLine() throws Exception {
        assumeTrue(Proc.isRoot(), "unmounting needs root");
        String jperf = Jdks.current().java() + " -jar " + Target.JPERF_JAR.toAbsolutePath();
        for (String verb : List.of("record -e syscalls:sys_enter_write", "trace", "stat -e 'syscalls:sys_enter_*'")) {
            Proc.Result r = Proc.run(Duration.ofSeconds(60), "unshare", "--mount", "sh", "-c",
                    "umount " + TRACEFS + " 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; " + jperf + " "
                            + verb + " -o /dev/null -- " + Jdks.current().java() + " -jar " + Target.SAMPLES_JAR
                            + " hello");
            assertOneLine(r, "mount -t tracefs nodev /sys/kernel/tracing");
        }
    }

    private static Proc.Result recordSamples(String... event) throws Exception {
        List<String> args = new ArrayList<>(List.of("record"));
        args.addAll(List.of(event));
        args.addAll(List.of("-o", "/dev/null", "--", Jdks.current().java().toString(), "-jar",
                Target.SAMPLES_JAR.toString(), "hello"));
        return Proc.jperf(Jdks.current(), args.toArray(new String[0]));
    }

    /** Refused before the JVM starts: exit 1, nothing run, one jperf line that says what is missing. */
    private static void assertOneLine(Proc.Result r, String saying) {
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(!r.out().contains("hello"), "the JVM was started: " + r.out());
        List<String> lines = BadInputIT.jperfLines(r.err());
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).contains(saying), lines.get(0));
        assertTrue(!r.err().contains("\tat "), "a stack trace: " + r.err());
    }

    /** A CPU PMU in sysfs: "cpu" on most x86, "cpu_core"/"cpu_atom" on hybrid parts, armv8_* on arm64. */
    private static boolean hasPmu() throws IOException {
        try (Stream<Path> sources = Files.list(EVENT_SOURCES)) {
            return sources.map(p -> p.getFileName().toString())
                    .anyMatch(n -> n.equals("cpu") || n.startsWith("cpu_") || n.startsWith("armv8"));
        }
    }

    private static long total(String stat, String event) {
        Matcher m = Pattern.compile("(?m)^ +([\\d,]+) +" + Pattern.quote(event) + " ").matcher(stat);
        assertTrue(m.find(), event + " not in\n" + stat);
        return number(m.group(1));
    }

    private static long number(String grouped) {
        return Long.parseLong(grouped.replace(",", ""));
    }
}

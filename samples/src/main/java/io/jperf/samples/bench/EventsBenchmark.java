package io.jperf.samples.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What events beyond CPU cost, against the same counted workload without a profiler, in one run:
 * <pre>
 * java -cp samples/target/jperf-samples.jar io.jperf.samples.bench.EventsBenchmark \
 *      [--jperf attach-cli/target/jperf.jar] [--java JAVA_HOME] [--runs 3] [--writes 200000] [--deflates 100000]
 * </pre>
 * 1. a tracepoint on every write(2): counted ({@code stat}) and sampled with a stack ({@code record}), against
 * {@code perf stat} and {@code perf record -g} on the same event;
 * 2. a uprobe on every call of zlib's deflate(): counted and sampled, against perf with the same probe made by
 * {@code perf probe} (removed afterwards);
 * 3. tracing every system call of a write-heavy workload: {@code jperf trace -s} against {@code perf trace -s} and
 * {@code strace -c -f}.
 * Costs are the counted operations' wall time over the baseline's, per event, and the CPU of jperf's reader thread.
 */
public final class EventsBenchmark {
    private static final Pattern COUNTED = Pattern.compile("(?m)^\\S+: counted operations took (\\d+) us wall, (\\d+) us"
            + " cpu$");
    private static final Pattern PID = Pattern.compile("samples: \\S+ running in (\\d+)");
    private static final Pattern SAMPLES = Pattern.compile("(?m)^# samples: (\\d+)");
    private static final Pattern LOST = Pattern.compile("(?m)^# lost: (\\d+)");
    /** Warm-up writes of the writes workload, before its counted ones. */
    private static final int WARM_UP_WRITES = 20_000;

    private final Bench b;
    private final int runs;
    private final Path work;

    private EventsBenchmark(Bench b) throws Exception {
        this.b = b;
        this.runs = b.intArg("--runs", 3);
        this.work = Files.createTempDirectory("jperf-events-bench-");
    }

    public static void main(String[] argv) throws Exception {
        Bench bench = new Bench(argv);
        EventsBenchmark e = new EventsBenchmark(bench);
        System.out.println("jperf events benchmark, java " + bench.javaHome + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs; medians of " + e.runs + " runs");
        int writes = bench.intArg("--writes", 200_000);
        int deflates = bench.intArg("--deflates", 100_000);
        e.tracepoint(writes);
        e.uprobe(deflates);
        e.trace(writes);
    }

    /** One run's figures: the counted operations' wall and CPU time, jperf's reader CPU, and the output. */
    private record Run(double wallUs, double cpuUs, double readerUs, String output) {
    }

    private void tracepoint(int writes) throws Exception {
        System.out.printf(Locale.ROOT, "%n1. tracepoint syscalls:sys_enter_write on each of %,d writes of 16 bytes"
                + " (thread writer, -Xbatch)%n", writes);
        Run base = median("no profiler", List.of(), "writes", writes);
        Path data = work.resolve("writes.data");
        String event = "syscalls:sys_enter_write";
        median("jperf stat", jperf("stat", "-e", event, "-o", "/dev/null"), "writes", writes, base, writes);
        median("perf stat", perf("stat", event), "writes", writes, base, writes);
        median("jperf record", jperf("record", "-e", event, "-o", data.toString()), "writes", writes, base, writes);
        median("perf record -g", perf("record", event), "writes", writes, base, writes);
        samplesOf(data, "write events", writes + WARM_UP_WRITES);
    }

    private void uprobe(int deflates) throws Exception {
        String lib = zlib();
        System.out.printf(Locale.ROOT, "%n2. uprobe on deflate() in %s, each of %,d calls (thread deflater)%n", lib,
                deflates);
        Run base = median("no profiler", List.of(), "deflates", deflates);
        String probe = "uprobe:" + lib + ":deflate";
        Path data = work.resolve("deflates.data");
        median("jperf stat", jperf("stat", "-e", probe, "-o", "/dev/null"), "deflates", deflates, base, deflates);
        median("jperf record", jperf("record", "-e", probe, "-o", data.toString()), "deflates", deflates, base,
                deflates);
        samplesOf(data, "deflate calls", deflates);
        String perfProbe = "jperfbench:deflate";
        Bench.run(List.of("perf", "probe", "-q", "-x", lib, "-a", perfProbe + "=deflate"));
        try {
            median("perf stat", perf("stat", perfProbe), "deflates", deflates, base, deflates);
            median("perf record -g", perf("record", perfProbe), "deflates", deflates, base, deflates);
        } finally {
            Bench.run(List.of("perf", "probe", "-q", "-d", perfProbe));
        }
    }

    private void trace(int writes) throws Exception {
        System.out.printf(Locale.ROOT, "%n3. every system call traced, on %,d writes (2 events per call)%n", writes);
        Run base = median("no tracer", List.of(), "writes", writes);
        median("jperf trace -s", jperf("trace", "-s", "-o", "/dev/null"), "writes", writes, base, writes);
        median("perf trace -s", List.of("perf", "trace", "-s", "-o", "/dev/null", "--"), "writes", writes, base,
                writes);
        median("strace -c -f", List.of("strace", "-c", "-f", "-o", "/dev/null"), "writes", writes, base, writes);
    }

    private List<String> jperf(String... args) {
        List<String> cmd = new ArrayList<>(List.of(b.java(), "-jar", b.jperf.toString()));
        cmd.addAll(Arrays.asList(args));
        cmd.add("--");
        return cmd;
    }

    /** perf counting ({@code stat}) or sampling every event with callchains ({@code record}) around the JVM. */
    private List<String> perf(String verb, String event) {
        return verb.equals("stat") ? List.of("perf", "stat", "-e", event, "-o", "/dev/null", "--")
                : List.of("perf", "record", "-q", "-g", "-e", event, "-o", work.resolve("perf.data").toString(), "--");
    }

    private Run median(String name, List<String> under, String workload, int count) throws Exception {
        return median(name, under, workload, count, null, 0);
    }

    /** Runs the workload {@code runs} times under the command (none for the baseline) and prints the median run. */
    private Run median(String name, List<String> under, String workload, int count, Run base, long events)
            throws Exception {
        List<Run> all = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            all.add(run(under, workload, count));
        }
        all.sort((x, y) -> Double.compare(x.wallUs, y.wallUs));
        Run m = all.get(all.size() / 2);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "   %-16s %9.0f ms wall %9.0f ms cpu"
                + " (%.3f us per operation)", name, m.wallUs / 1000, m.cpuUs / 1000, m.wallUs / count));
        if (base != null) {
            line.append(String.format(Locale.ROOT, "; x%.2f the baseline's wall time, +%.0f ns per event",
                    m.wallUs / base.wallUs, (m.wallUs - base.wallUs) * 1000 / events));
        }
        if (m.readerUs > 0) {
            line.append(String.format(Locale.ROOT, "; jperf reader %.0f ms cpu, %.0f ns per event", m.readerUs / 1000,
                    m.readerUs * 1000 / events));
        }
        System.out.println(line);
        return m;
    }

    /** Samples and lost samples of a record run's data file, against the events expected. */
    private void samplesOf(Path data, String what, long expected) throws Exception {
        String header = Bench.run(List.of(b.java(), "-jar", b.jperf.toString(), "report", "-i", data.toString()));
        Matcher samples = SAMPLES.matcher(header);
        Matcher lost = LOST.matcher(header);
        System.out.printf(Locale.ROOT, "   jperf record (last run): %s samples for at least %,d %s, %s lost%n",
                samples.find() ? samples.group(1) : "?", expected, what, lost.find() ? lost.group(1) : "?");
    }

    /**
     * One run: the command (if any) runs java with the workload, which lingers a second after its counted operations
     * so that jperf's reader thread can be read in /proc before the JVM exits.
     */
    private Run run(List<String> under, String workload, int count) throws Exception {
        List<String> cmd = new ArrayList<>(under);
        cmd.addAll(List.of(b.java(), "-Xbatch", "-Dsamples.linger=1", "-jar", b.samples.toString(), workload, "0",
                Integer.toString(count)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuffer rest = new StringBuffer();
        String out = String.join("\n", Bench.awaitLines(p, "samples: lingering", rest));
        Matcher pid = PID.matcher(out);
        long readerTicks = pid.find() ? Bench.threadCpuTicks(Long.parseLong(pid.group(1)), "jperf-sampler") : 0;
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + " failed:\n" + out + rest);
        }
        Matcher m = COUNTED.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no counted operations in:\n" + out);
        }
        return new Run(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), readerTicks * 10_000.0, out + rest);
    }

    /** Where this JDK's java.util.zip calls deflate(): the system libz, or libzip.so, which bundles zlib in Temurin. */
    private String zlib() throws Exception {
        List<String> cmd = List.of(b.java(), "-Dsamples.linger=1", "-jar", b.samples.toString(), "deflates", "0", "10");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = String.join("\n", Bench.awaitLines(p, "samples: lingering"));
        Matcher pid = PID.matcher(out);
        if (!pid.find()) {
            throw new IllegalStateException(out);
        }
        List<String> maps = Files.readAllLines(Path.of("/proc/" + pid.group(1) + "/maps"));
        p.waitFor();
        String libzip = null;
        for (String line : maps) {
            String path = line.substring(line.lastIndexOf(' ') + 1);
            if (path.contains("/libz.so")) {
                return path;
            }
            if (path.endsWith("/libzip.so")) {
                libzip = path;
            }
        }
        if (libzip == null) {
            throw new IllegalStateException("neither libz nor libzip mapped in " + cmd);
        }
        return libzip;
    }
}

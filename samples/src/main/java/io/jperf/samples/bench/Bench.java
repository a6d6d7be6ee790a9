package io.jperf.samples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** What the benchmarks share: starting sample JVMs, waiting for their lines, reading /proc and jcmd. */
final class Bench {
    final Path jperf;
    final Path javaHome;
    final Path samples;
    final Map<String, String> args;

    Bench(String[] argv) throws Exception {
        args = new TreeMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i], argv[i + 1]);
        }
        jperf = Path.of(args.getOrDefault("--jperf", "attach-cli/target/jperf.jar")).toAbsolutePath();
        javaHome = Path.of(args.getOrDefault("--java", System.getProperty("java.home")));
        samples = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(jperf)) {
            throw new IllegalArgumentException("no jperf.jar at " + jperf + " (build with mvn package, or --jperf)");
        }
    }

    int intArg(String name, int fallback) {
        return Integer.parseInt(args.getOrDefault(name, Integer.toString(fallback)));
    }

    String java() {
        return javaHome.resolve("bin/java").toString();
    }

    String jcmd() {
        return javaHome.resolve("bin/jcmd").toString();
    }

    /** A sample workload in a JVM of its own, output merged. */
    Process start(List<String> jvm, String... workload) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-jar", samples.toString()));
        cmd.addAll(Arrays.asList(workload));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * Reads the target's output up to a line starting with {@code prefix} and returns all lines read; the rest of
     * the output is read (and dropped) on another thread until the process ends.
     */
    static List<String> awaitLines(Process p, String prefix) throws IOException {
        return awaitLines(p, prefix, new StringBuffer());
    }

    /** The same, keeping the rest of the output in {@code rest}. */
    static List<String> awaitLines(Process p, String prefix, StringBuffer rest) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream()));
        List<String> lines = new ArrayList<>();
        for (String line; (line = reader.readLine()) != null;) {
            lines.add(line);
            if (line.startsWith(prefix)) {
                Thread drain = new Thread(() -> {
                    try {
                        for (String l; (l = reader.readLine()) != null;) {
                            rest.append(l).append('\n');
                        }
                    } catch (IOException ignored) {
                        // The process ended.
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return lines;
            }
        }
        throw new IllegalStateException("target ended before printing " + prefix + ":\n" + String.join("\n", lines));
    }

    static String awaitLine(Process p, String prefix) throws IOException {
        List<String> lines = awaitLines(p, prefix);
        return lines.get(lines.size() - 1);
    }

    /** Whole output of a process that must end by itself. */
    static String output(Process p) throws IOException, InterruptedException {
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** Ends a target with SIGTERM, so shutdown hooks (and jperf's outputs) run. */
    static void stop(Process target) throws InterruptedException {
        target.destroy();
        target.waitFor(30, TimeUnit.SECONDS);
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + " failed:\n" + out);
        }
        return out;
    }

    /** CPU time of the whole process so far, ended threads included, in clock ticks. */
    static long processCpuTicks(long pid) throws IOException {
        return cpuTicks(Path.of("/proc/" + pid + "/stat"));
    }

    /** CPU time (user + system, in clock ticks of 10 ms) of the threads of {@code pid} named {@code name}. */
    static long threadCpuTicks(long pid, String name) throws IOException {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().equals(name)) {
                        ticks += cpuTicks(task.resolve("stat"));
                    }
                } catch (IOException ended) {
                    // The thread ended meanwhile.
                }
            }
        }
        return ticks;
    }

    /** utime + stime of a /proc stat file (fields 14 and 15; the name before them may hold spaces). */
    private static long cpuTicks(Path stat) throws IOException {
        String text = Files.readString(stat);
        String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** {live heap, heap committed, NMT committed outside the heap, RSS}, in bytes; NMT must be on. */
    long[] memoryOf(long pid) throws Exception {
        String histogram = run(List.of(jcmd(), Long.toString(pid), "GC.class_histogram"));
        long heap = 0;
        for (String l : histogram.split("\n")) {
            if (l.startsWith("Total")) {
                heap = Long.parseLong(l.trim().split("\\s+")[2]);
            }
        }
        String nmt = run(List.of(jcmd(), Long.toString(pid), "VM.native_memory", "summary"));
        long committed = 0;
        long heapCommitted = 0;
        for (String l : nmt.split("\n")) {
            if (l.startsWith("Total:")) {
                committed = kib(l.substring(l.indexOf("committed=") + 10)) * 1024;
            } else if (l.contains("Java Heap (reserved=")) {
                heapCommitted = kib(l.substring(l.indexOf("committed=") + 10)) * 1024;
            }
        }
        long rss = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return new long[] {heap, heapCommitted, committed - heapCommitted, rss};
    }

    static final String[] MEMORY_NAMES = {"live heap after full GC", "heap committed", "NMT committed, not heap",
        "RSS"};

    private static long kib(String s) {
        return Long.parseLong(s.replaceAll("^(\\d+)KB.*$", "$1").trim());
    }

    /** "name: value" lines of a jperf statistics file or report header ("# name: value"). */
    static Map<String, String> keyValues(List<String> lines) {
        Map<String, String> m = new TreeMap<>();
        for (String l : lines) {
            String t = l.startsWith("# ") ? l.substring(2) : l;
            int colon = t.indexOf(": ");
            if (colon > 0) {
                m.put(t.substring(0, colon), t.substring(colon + 2).trim());
            }
        }
        return m;
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}

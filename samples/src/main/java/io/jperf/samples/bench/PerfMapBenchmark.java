package io.jperf.samples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The cost of jperf's Java symbols, each figure against a baseline measured in the same run:
 * <pre>
 * java -cp samples/target/jperf-samples.jar io.jperf.samples.bench.PerfMapBenchmark \
 *      [--jperf attach-cli/target/jperf.jar] [--java JAVA_HOME] [--runs 15] [--classes 2500]
 * </pre>
 * 1. start-up of a hello-world JVM: no agent, agent loaded idle, agent with perfmap;
 * 2. a JVM with a big code cache: {@code jcmd Compiler.perfmap} against {@code jperf perfmap -p} (attach, replay,
 *    complete map), and the agent's own replay and write times;
 * 3. Service Thread time per JIT event under heavy compilation and class unloading (callback histogram and the
 *    thread's CPU time against a JVM without the agent);
 * 4. heap, native memory and RSS of a JVM with a big code cache, with and without the agent.
 */
public final class PerfMapBenchmark {
    private final Bench b;
    private final Path jperf;
    private final Path samples;
    private final int runs;
    private final int classes;

    private PerfMapBenchmark(Bench bench) {
        this.b = bench;
        this.jperf = bench.jperf;
        this.samples = bench.samples;
        this.runs = bench.intArg("--runs", 15);
        this.classes = bench.intArg("--classes", 2500);
    }

    public static void main(String[] argv) throws Exception {
        Bench bench = new Bench(argv);
        PerfMapBenchmark b = new PerfMapBenchmark(bench);
        System.out.println("jperf perfmap benchmark, java " + bench.javaHome + ", " + Runtime.getRuntime()
                .availableProcessors() + " CPUs");
        b.startup();
        b.bigCodeCache();
        b.serviceThread();
        b.memory();
    }

    private String java() {
        return b.java();
    }

    private String jcmd() {
        return b.jcmd();
    }

    // 1. Start-up ------------------------------------------------------------------------------------------------

    private void startup() throws Exception {
        String[][] variants = {{}, {"-javaagent:" + jperf}, {"-javaagent:" + jperf + "=perfmap"}};
        String[] names = {"no agent", "agent, no action", "agent, perfmap"};
        long[][] times = new long[variants.length][runs];
        for (int r = 0; r < runs; r++) {
            for (int v = 0; v < variants.length; v++) {
                List<String> cmd = new ArrayList<>(List.of(java()));
                cmd.addAll(List.of(variants[v]));
                cmd.addAll(List.of("-jar", samples.toString(), "hello"));
                long begin = System.nanoTime();
                Bench.run(cmd);
                times[v][r] = System.nanoTime() - begin;
            }
        }
        System.out.println("\n1. hello-world JVM start to exit, median of " + runs + " alternating runs");
        double base = Bench.median(times[0]);
        for (int v = 0; v < variants.length; v++) {
            double m = Bench.median(times[v]);
            System.out.printf("   %-18s %7.1f ms  (%+.1f ms, x%.2f)%n", names[v], m / 1e6, (m - base) / 1e6, m / base);
        }
    }

    // 2. Big code cache ----------------------------------------------------------------------------------------------

    private void bigCodeCache() throws Exception {
        Path stats = Files.createTempFile("jperf-bench-", ".stats");
        Process target = b.start(List.of("-Dsamples.linger=600"), "bigcode", "600", Integer.toString(classes));
        try {
            Bench.awaitLine(target, "bigcode:");
            long pid = target.pid();
            Thread.sleep(3000);
            Path jdkMap = Files.createTempFile("jperf-bench-", ".map");
            boolean toFile = Bench.run(List.of(jcmd(), Long.toString(pid), "help", "Compiler.perfmap")).contains("filename");
            long[] jcmdTimes = new long[3];
            for (int i = 0; i < jcmdTimes.length; i++) {
                long begin = System.nanoTime();
                Bench.run(toFile ? List.of(jcmd(), Long.toString(pid), "Compiler.perfmap", jdkMap.toString())
                        : List.of(jcmd(), Long.toString(pid), "Compiler.perfmap"));
                jcmdTimes[i] = System.nanoTime() - begin;
            }
            Path jdkFile = toFile ? jdkMap : Path.of("/tmp/perf-" + pid + ".map");
            long compiled = Files.readAllLines(jdkFile).stream().filter(l -> l.contains("(")).count();
            Path ours = Path.of("/tmp/perf-" + pid + ".map");
            long begin = System.nanoTime();
            Bench.run(List.of(java(), "-jar", jperf.toString(), "perfmap", "-p", Long.toString(pid), "--stats",
                    stats.toString()));
            long attached = System.nanoTime() - begin;
            long complete;
            while (true) {
                long javaLines = Files.readAllLines(ours).stream().filter(l -> !l.startsWith("0x") && l.contains("/"))
                        .count();
                if (javaLines >= compiled * 0.99) {
                    complete = System.nanoTime() - begin;
                    break;
                }
                if (System.nanoTime() - begin > 120e9) {
                    throw new IllegalStateException("map never complete: " + javaLines + " of " + compiled);
                }
                Thread.sleep(20);
            }
            Bench.stop(target);
            Map<String, String> s = Bench.keyValues(Files.readAllLines(stats));
            System.out.printf("%n2. JVM with %d compiled methods (%d classes kept)%n", compiled, classes);
            System.out.printf("   jcmd Compiler.perfmap          %7.1f ms (median of 3; attach + write)%n",
                    Bench.median(jcmdTimes) / 1e6);
            System.out.printf("   jperf perfmap -p, command      %7.1f ms (attach, agent start, first write)%n",
                    attached / 1e6);
            System.out.printf("   jperf perfmap -p, complete map %7.1f ms  (x%.2f of jcmd)%n", complete / 1e6,
                    complete / Bench.median(jcmdTimes));
            System.out.printf("   agent: replay of existing code %s ms, last full map write %s ms, %s events%n",
                    ms(s.get("first_replay_us")), ms(s.get("perfmap_last_write_us")), s.get("jit_events"));
            Files.deleteIfExists(jdkMap);
        } finally {
            target.destroyForcibly();
            Files.deleteIfExists(stats);
        }
    }

    // 3. Service Thread ----------------------------------------------------------------------------------------------

    private void serviceThread() throws Exception {
        Path stats = Files.createTempFile("jperf-bench-", ".stats");
        long[] cpu = new long[2];
        for (int withAgent = 0; withAgent < 2; withAgent++) {
            List<String> jvm = new ArrayList<>(List.of("-Dsamples.linger=600"));
            if (withAgent == 1) {
                jvm.add("-javaagent:" + jperf + "=perfmap,stats=" + stats);
            }
            Process target = b.start(jvm, "churn", "20");
            try {
                Bench.awaitLine(target, "samples: lingering");
                cpu[withAgent] = Bench.threadCpuTicks(target.pid(), "Service Thread");
                Bench.stop(target);
            } finally {
                target.destroyForcibly();
            }
        }
        Map<String, String> s = Bench.keyValues(Files.readAllLines(stats));
        long events = Long.parseLong(s.get("service_thread_events"));
        long hz = 100;
        double extraMs = (cpu[1] - cpu[0]) * 1000.0 / hz;
        System.out.printf("%n3. Service Thread under 20 s of churn (compilation + class unloading), %d JIT events%n",
                events);
        System.out.printf("   callback time per event: p50 %s us, p99 %s us, max %s us%n",
                s.get("service_thread_p50_us"), s.get("service_thread_p99_us"), s.get("service_thread_max_us"));
        System.out.printf("   Service Thread CPU: %d ms without the agent, %d ms with (%.1f us more per event,"
                + " JNA dispatch included)%n", cpu[0] * 1000 / hz, cpu[1] * 1000 / hz, extraMs * 1000 / events);
        System.out.printf("   classes unloaded before their code could be named: %s frames; dropped events: %s%n",
                s.get("unloaded_before_named"), s.get("jit_events_dropped"));
        Files.deleteIfExists(stats);
    }

    // 4. Memory ------------------------------------------------------------------------------------------------------

    private void memory() throws Exception {
        long[][] m = new long[2][];
        for (int withAgent = 0; withAgent < 2; withAgent++) {
            List<String> jvm = new ArrayList<>(List.of("-Dsamples.linger=600", "-XX:NativeMemoryTracking=summary"));
            if (withAgent == 1) {
                jvm.add("-javaagent:" + jperf + "=perfmap");
            }
            Process target = b.start(jvm, "bigcode", "600", Integer.toString(classes));
            try {
                Bench.awaitLine(target, "bigcode:");
                Thread.sleep(3000);
                m[withAgent] = b.memoryOf(target.pid());
            } finally {
                target.destroyForcibly();
                target.waitFor();
            }
        }
        System.out.printf("%n4. Memory of a JVM with %d classes compiled, without and with the agent (perfmap)%n",
                classes);
        for (int i = 0; i < Bench.MEMORY_NAMES.length; i++) {
            System.out.printf("   %-24s %8d KiB -> %8d KiB  (%+d KiB)%n", Bench.MEMORY_NAMES[i], m[0][i] / 1024,
                    m[1][i] / 1024,
                    (m[1][i] - m[0][i]) / 1024);
        }
    }


    private static String ms(String micros) {
        return micros == null ? "?" : String.format("%.1f", Long.parseLong(micros) / 1000.0);
    }
}

package io.jperf.samples.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/**
 * The cost and fidelity of jperf's sampling against no profiler and against async-profiler 4.1 at the same
 * interval, each measured in the same run:
 * <pre>
 * java -cp samples/target/jperf-samples.jar io.jperf.samples.bench.SamplingBenchmark \
 *      [--jperf attach-cli/target/jperf.jar] [--java JAVA_HOME] [--runs 3] [--seconds 10] [--sections 1234]
 *      [--cstack auto|fp|dwarf] [--warmup 0]
 * </pre>
 * 1. throughput of CPU-bound threads (one per CPU) at 99 Hz and 1 kHz, and the CPU cost behind it: the workers'
 * operations per CPU second and the CPU the rest of the process took while they ran, also under Linux perf
 * recording the same event with the same kind of stacks from outside (the kernel's part of the cost), and with no
 * stacks at 1 kHz (the timer's part, the least a perf_events profiler can cost); with
 * {@code --warmup S} the threads work S seconds under the profiler before their counted seconds begin (the
 * profiler's steady state, its warm-up left out);
 * 2. samples captured against the CPU time the threads measured, lost samples, the reader thread's CPU;
 * 3. memory with 50 and 500 threads;
 * 4. time for Chromium to open the HTML flame graph of a profile of about a million samples;
 * 5. stack quality on the {@code stacks} workload (its interpreted method excluded from compilation), with and
 * without -XX:+PreserveFramePointer: each thread's share against its CPU time, the share of its samples that reach
 * Thread.run, and interpreter samples under the named method, for jperf with cstack=fp and cstack=dwarf and for
 * async-profiler;
 * 6. cstack=dwarf's stack copy size: on the stacks workload run 100 calls deep, without frame pointers, the samples
 * reaching Thread.run, the hot loop's operations per CPU second against cstack=fp (the copy's cost on the sampled
 * thread) and the reader's CPU per sample, for copies of 4 to 63 KiB.
 * jperf runs with {@code --cstack} (default auto, which is dwarf here) in sections 1 to 4; with fp, sections 1 and 3
 * run every JVM with -XX:+PreserveFramePointer.
 * async-profiler comes from samples/target/bench-lib (tools.profiler:async-profiler:4.1:linux-x64).
 */
public final class SamplingBenchmark {
    private static final Pattern CPU_OPERATIONS = Pattern.compile("(?m)^hot-loop: (\\d+) operations, cpu (\\d+) ms$");
    private static final Pattern CPU = Pattern.compile("(?m)^(\\S+): \\d+ operations, cpu (\\d+) ms$");
    private static final long HZ_99 = 10_101_010L;
    private static final long KHZ = 1_000_000L;
    private static final int STARTUP_SECONDS = 3;

    private final Bench b;
    private final Path asyncProfiler;
    private final Path work;
    private final int runs;
    private final int seconds;
    private final String cstack;
    private final int warmup;

    private SamplingBenchmark(Bench b) throws Exception {
        this.b = b;
        this.runs = b.intArg("--runs", 3);
        this.seconds = b.intArg("--seconds", 10);
        this.cstack = b.args.getOrDefault("--cstack", "auto");
        this.warmup = b.intArg("--warmup", 0);
        this.work = Files.createTempDirectory("jperf-bench-");
        this.asyncProfiler = extractAsyncProfiler(b.samples.getParent().resolve("bench-lib")
                .resolve("async-profiler-4.1-linux-x64.jar"), work);
    }

    public static void main(String[] argv) throws Exception {
        Bench bench = new Bench(argv);
        SamplingBenchmark s = new SamplingBenchmark(bench);
        System.out.println("jperf sampling benchmark, java " + bench.javaHome + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs; peer: async-profiler 4.1 (" + s.asyncProfiler
                + ")");
        String sections = bench.args.getOrDefault("--sections", "1234");
        if (sections.contains("1")) {
            s.throughput();
        }
        if (sections.contains("2")) {
            s.fidelity();
        }
        if (sections.contains("3")) {
            s.memory(50);
            s.memory(500);
        }
        if (sections.contains("4")) {
            s.bigFlameGraph();
        }
        if (sections.contains("5")) {
            s.stackQuality();
        }
        if (sections.contains("6")) {
            s.stackCopySizes();
        }
    }

    private static Path extractAsyncProfiler(Path jar, Path dir) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no " + jar + ": build the samples module (mvn package) first");
        }
        try (ZipFile zip = new ZipFile(jar.toFile()); InputStream in = zip.getInputStream(
                zip.getEntry("linux-x64/libasyncProfiler.so"))) {
            Path so = dir.resolve("libasyncProfiler.so");
            Files.copy(in, so, StandardCopyOption.REPLACE_EXISTING);
            return so;
        }
    }

    /**
     * A profiler setting: JVM arguments that load it, or a command that profiles the JVM from outside (its
     * {@code PID} argument replaced by the JVM's), or neither.
     */
    private record Variant(String name, List<String> jvm, List<String> outside) {
        Variant(String name, List<String> jvm) {
            this(name, jvm, List.of());
        }

        /**
         * Starts the outside profiler on {@code target} (its records discarded, its messages to {@code log}), or
         * returns null when there is none.
         */
        Process attach(Process target, Path log) {
            if (outside.isEmpty()) {
                return null;
            }
            List<String> cmd = new ArrayList<>(outside);
            cmd.replaceAll(a -> a.equals("PID") ? Long.toString(target.pid()) : a);
            try {
                return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(log.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + cmd.get(0) + " (install linux-perf): " + e.getMessage());
            }
        }

        /** Fails when the outside profiler ended early: its row would otherwise measure no profiler. */
        static void check(Process outside, Path log) throws IOException {
            if (outside != null && !outside.isAlive()) {
                throw new IllegalStateException("the outside profiler exited with " + outside.exitValue() + ": "
                        + Files.readString(log).trim());
            }
        }
    }

    private Variant jperfAt(long periodNanos, Path file) {
        return jperfAt(periodNanos, file, cstack, false);
    }

    private Variant jperfAt(long periodNanos, Path file, String stacks, boolean threads) {
        return new Variant("jperf " + hz(periodNanos) + (stacks.equals("auto") ? "" : " " + stacks),
                List.of("-javaagent:" + b.jperf + "=start,event=cpu,interval=" + periodNanos + "ns,cstack=" + stacks
                        + (threads ? ",threads" : "") + ",file=" + file));
    }

    private Variant asyncAt(long periodNanos, Path file, boolean threads) {
        return new Variant("async-profiler " + hz(periodNanos), List.of("-agentpath:" + asyncProfiler
                + "=start,event=cpu,interval=" + periodNanos + (threads ? ",threads" : "") + ",file=" + file));
    }

    /**
     * The kernel's own part of sampling at this rate: Linux perf recording the same clock event from outside the
     * JVM, with the stacks jperf asks for (frame-pointer chains with cstack=fp, else 16 KiB stack copies as well),
     * its records thrown away. Every profiler built on perf_events pays this on the sampled threads.
     */
    private Variant kernelAt(long periodNanos) {
        boolean fp = cstack.equals("fp");
        return perfAt(periodNanos, fp ? "fp" : "dwarf", fp ? List.of("-g") : List.of("--call-graph", "dwarf,16384"));
    }

    /**
     * The least any perf_events profiler can cost at this rate: Linux perf taking the clock's samples with no stack
     * at all (the timer interrupt and the record).
     */
    private Variant timerAt(long periodNanos) {
        return perfAt(periodNanos, "no stacks", List.of());
    }

    private static Variant perfAt(long periodNanos, String stacks, List<String> stackOptions) {
        List<String> cmd = new ArrayList<>(List.of("perf", "record", "-q", "-B", "-e", "cpu-clock", "-c",
                Long.toString(periodNanos)));
        cmd.addAll(stackOptions);
        cmd.addAll(List.of("-o", "-", "-p", "PID"));
        return new Variant("perf record " + stacks + " " + hz(periodNanos), List.of(), cmd);
    }

    /**
     * JVM flags every variant of a section runs with: frame-pointer chains are only whole with
     * -XX:+PreserveFramePointer, so with {@code --cstack fp} the JVMs keep frame pointers, the baseline's too.
     */
    private List<String> stackFlags() {
        return cstack.equals("fp") ? List.of("-XX:+PreserveFramePointer") : List.of();
    }

    private static String hz(long periodNanos) {
        return periodNanos == KHZ ? "1 kHz" : Math.round(1e9 / periodNanos) + " Hz";
    }

    // 1. Throughput ----------------------------------------------------------------------------------------------

    private void throughput() throws Exception {
        Path jperfFile = work.resolve("jperf.txt");
        Path apFile = work.resolve("ap.collapsed");
        // In groups of three per rate: the kernel's part, jperf, async-profiler; then the timer alone at 1 kHz.
        List<Variant> variants = List.of(new Variant("no profiler", List.of()), kernelAt(HZ_99),
                jperfAt(HZ_99, jperfFile), asyncAt(HZ_99, apFile, false), kernelAt(KHZ), jperfAt(KHZ, jperfFile),
                asyncAt(KHZ, apFile, false), timerAt(KHZ));
        long[][] ops = new long[variants.size()][runs];
        long[][] workerMs = new long[variants.size()][runs];
        long[][] otherMs = new long[variants.size()][runs];
        for (int r = 0; r < runs; r++) {
            for (int v = 0; v < variants.size(); v++) {
                List<String> jvm = new ArrayList<>(variants.get(v).jvm());
                jvm.addAll(stackFlags());
                // The workers start once each profiler is up: this measures profiling, not agent start-up
                // (which PerfMapBenchmark measures on its own).
                jvm.add("-Dsamples.delay=" + STARTUP_SECONDS);
                jvm.add("-Dsamples.linger=1");
                jvm.add("-Dsamples.warmup=" + warmup);
                Process p = b.start(jvm, "workers", Integer.toString(seconds));
                Path perfLog = work.resolve("outside.log");
                Process outside = variants.get(v).attach(p, perfLog);
                StringBuffer rest = new StringBuffer();
                Bench.awaitLines(p, warmup > 0 ? "samples: measuring" : "samples: working", rest);
                Variant.check(outside, perfLog);
                long begin = Bench.processCpuTicks(p.pid());
                while (!rest.toString().contains("samples: lingering") && p.isAlive()) {
                    Thread.sleep(20);
                }
                long end = Bench.processCpuTicks(p.pid());
                p.waitFor();
                if (outside != null) {
                    Bench.stop(outside);
                }
                Thread.sleep(100); // the rest of the output
                Matcher m = CPU_OPERATIONS.matcher(rest);
                while (m.find()) {
                    ops[v][r] += Long.parseLong(m.group(1));
                    workerMs[v][r] += Long.parseLong(m.group(2));
                }
                otherMs[v][r] = (end - begin) * 10 - workerMs[v][r];
            }
        }
        System.out.printf("%n1. Throughput of %d CPU-bound threads for %d s, started %d s after the JVM (and the"
                + " profiler)%s, median of %d alternating runs%n", Runtime.getRuntime().availableProcessors(), seconds,
                STARTUP_SECONDS, warmup > 0 ? ", counted after " + warmup + " s of work (warm-up)" : "", runs);
        double base = Bench.median(ops[0]);
        double[] cost = new double[variants.size()];
        double[] cpuCost = new double[variants.size()];
        double baseRate = rate(ops[0], workerMs[0]);
        double baseOther = Bench.median(otherMs[0]);
        for (int v = 0; v < variants.size(); v++) {
            double m = Bench.median(ops[v]);
            cost[v] = 100.0 * (base - m) / base;
            // Less noisy than throughput on a shared machine: the workers' operations per CPU second (what
            // sampling costs the sampled thread) and the CPU the process spent besides them (the profiler's
            // threads and the compilers and collectors working for it), against the same without a profiler.
            double slower = 1 - rate(ops[v], workerMs[v]) / baseRate;
            double taken = (Bench.median(otherMs[v]) - baseOther) / (Bench.median(workerMs[v])
                    + Bench.median(otherMs[v]));
            cpuCost[v] = 100.0 * (1 - (1 - slower) * (1 - taken));
            System.out.printf(Locale.ROOT, "   %-28s %12.0f operations  cost %+6.2f%%   per worker CPU s %+6.2f%%,"
                    + " other CPU %5.0f ms (%+5.2f%%): CPU cost %+6.2f%%   (runs: %s)%n", variants.get(v).name(), m,
                    cost[v], -100.0 * slower, Bench.median(otherMs[v]), 100.0 * taken, cpuCost[v],
                    java.util.Arrays.toString(ops[v]));
        }
        System.out.printf(Locale.ROOT, "   jperf cost / async-profiler cost: throughput 99 Hz %.2f, 1 kHz %.2f;"
                + " CPU 99 Hz %.2f, 1 kHz %.2f%n", ratio(cost[2], cost[3]), ratio(cost[5], cost[6]),
                ratio(cpuCost[2], cpuCost[3]), ratio(cpuCost[5], cpuCost[6]));
        // perf runs outside the JVM, so its CPU cost is what the sampled threads pay: the kernel's interrupt, its
        // call chain and the record. What a profiler costs beyond that is its own doing.
        System.out.printf(Locale.ROOT, "   CPU cost beyond the kernel's (perf record): 99 Hz jperf %+.2f%%,"
                + " async-profiler %+.2f%% (ratio %.2f); 1 kHz jperf %+.2f%%, async-profiler %+.2f%% (ratio %.2f)%n",
                cpuCost[2] - cpuCost[1], cpuCost[3] - cpuCost[1], ratio(cpuCost[2] - cpuCost[1],
                cpuCost[3] - cpuCost[1]), cpuCost[5] - cpuCost[4], cpuCost[6] - cpuCost[4],
                ratio(cpuCost[5] - cpuCost[4], cpuCost[6] - cpuCost[4]));
        System.out.printf(Locale.ROOT, "   The 1 kHz timer alone (perf record, no stacks) costs %+.2f%% of CPU"
                + " (%+.2f%% of throughput): no perf_events profiler costs less at that rate on this machine%n",
                cpuCost[7], cost[7]);
    }

    /** Median operations per CPU second over the runs. */
    private static double rate(long[] ops, long[] cpuMs) {
        double[] r = new double[ops.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = ops[i] * 1000.0 / Math.max(1, cpuMs[i]);
        }
        return Bench.median(r);
    }

    private static double ratio(double a, double b) {
        return b <= 0 ? Double.NaN : a / b;
    }

    // 2. Fidelity ---------------------------------------------------------------------------------------------------

    private void fidelity() throws Exception {
        System.out.printf("%n2. Samples captured at 1 kHz against the CPU time the workload threads measured (mixed)%n");
        Path data = work.resolve("mixed.data");
        Path collapsed = work.resolve("mixed.collapsed");
        for (int which = 0; which < 2; which++) {
            Variant v = which == 0 ? jperfAt(KHZ, data) : asyncAt(KHZ, collapsed, true);
            List<String> jvm = new ArrayList<>(v.jvm());
            jvm.add("-XX:+PreserveFramePointer");
            jvm.add("-Dsamples.delay=1");
            jvm.add("-Dsamples.linger=2");
            Process p = b.start(jvm, "mixed", Integer.toString(seconds));
            String lines = String.join("\n", Bench.awaitLines(p, "samples: lingering"));
            long readerTicks = Bench.threadCpuTicks(p.pid(), "jperf-sampler");
            Bench.stop(p);
            Map<String, Long> cpu = new TreeMap<>();
            Matcher m = CPU.matcher(lines);
            while (m.find()) {
                cpu.put(m.group(1), Long.parseLong(m.group(2)));
            }
            Map<String, Long> samples;
            String lost = "?";
            if (which == 0) {
                Bench.run(List.of(b.java(), "-jar", b.jperf.toString(), "flamegraph", "-i", data.toString(), "-o",
                        collapsed.toString(), "--threads"));
                Map<String, String> info = Bench.keyValues(List.of(Bench.run(List.of(b.java(), "-jar",
                        b.jperf.toString(), "report", "-i", data.toString())).split("\n")));
                lost = info.get("lost") + " lost, " + info.get("throttled") + " throttled";
            }
            samples = byThread(collapsed);
            long expected = cpu.values().stream().mapToLong(Long::longValue).sum();
            long captured = cpu.keySet().stream().mapToLong(t -> samples.getOrDefault(t, 0L)).sum();
            System.out.printf(Locale.ROOT, "   %-24s %d of %d expected samples (%.2f%%)%s%n", v.name(), captured,
                    expected, 100.0 * captured / expected, which == 0 ? "; " + lost + "; reader thread CPU "
                            + readerTicks * 10 + " ms for " + seconds + " s (" + String.format(Locale.ROOT, "%.2f",
                            readerTicks * 10.0 / (seconds * 10.0)) + "% of a CPU)" : "");
            for (String t : cpu.keySet()) {
                System.out.printf(Locale.ROOT, "      %-9s cpu %5d ms  samples %5d%n", t, cpu.get(t),
                        samples.getOrDefault(t, 0L));
            }
        }
    }

    // 5. Stack quality -------------------------------------------------------------------------------------------

    private void stackQuality() throws Exception {
        System.out.printf("%n5. Stack quality at 1 kHz on stacks (hot loop, zlib, syscalls, a method kept interpreted):"
                + " each thread's share of samples against its share of CPU time, samples reaching Thread.run, and"
                + " interpreter samples under the named interpreted method%n");
        Path collapsed = work.resolve("quality.collapsed");
        Pattern entry = Pattern.compile(";java[/.]lang[/.]Thread\\.run(_\\[[0ij]\\])?;");
        Pattern interpreted = Pattern.compile(";io[/.]jperf[/.]samples[/.]Workloads\\.interpretedLoop(_\\[0\\])?[; ]");
        for (String pfp : List.of("-XX:+PreserveFramePointer", "-XX:-PreserveFramePointer")) {
            for (Variant v : List.of(jperfAt(KHZ, collapsed, "fp", true), jperfAt(KHZ, collapsed, "dwarf", true),
                    asyncAt(KHZ, collapsed, true))) {
                List<String> jvm = new ArrayList<>(v.jvm());
                jvm.add(pfp);
                jvm.add("-XX:CompileCommand=quiet");
                jvm.add("-XX:CompileCommand=exclude,io.jperf.samples.Workloads::interpretedLoop");
                jvm.add("-Dsamples.delay=1");
                long begin = System.nanoTime();
                String out = Bench.output(b.start(jvm, "stacks", Integer.toString(seconds)));
                Map<String, Long> cpu = new TreeMap<>();
                Matcher m = CPU.matcher(out);
                while (m.find()) {
                    cpu.put(m.group(1), Long.parseLong(m.group(2)));
                }
                Map<String, long[]> byThread = new TreeMap<>();
                Pattern thread = Pattern.compile("^\\[(.*?) tid=\\d+\\]");
                for (String line : Files.readAllLines(collapsed)) {
                    Matcher t = thread.matcher(line);
                    if (t.find() && cpu.containsKey(t.group(1))) {
                        long n = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                        long[] c = byThread.computeIfAbsent(t.group(1), k -> new long[3]);
                        c[0] += n;
                        c[1] += entry.matcher(line).find() ? n : 0;
                        c[2] += interpreted.matcher(line).find() ? n : 0;
                    }
                }
                long cpuTotal = cpu.values().stream().mapToLong(Long::longValue).sum();
                long sampleTotal = byThread.values().stream().mapToLong(c -> c[0]).sum();
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "   %-26s %-18s", pfp.substring(4),
                        v.name()));
                for (String t : cpu.keySet()) {
                    long[] c = byThread.getOrDefault(t, new long[3]);
                    line.append(String.format(Locale.ROOT, "  %s %+.2f pt, %.2f%% rooted", t,
                            100.0 * c[0] / Math.max(1, sampleTotal) - 100.0 * cpu.get(t) / Math.max(1, cpuTotal),
                            100.0 * c[1] / Math.max(1, c[0])));
                    if (t.equals("interpreter")) {
                        line.append(String.format(Locale.ROOT, " (%.2f%% named)", 100.0 * c[2] / Math.max(1, c[0])));
                    }
                }
                System.out.println(line + String.format(Locale.ROOT, " (%.0f s)", (System.nanoTime() - begin) / 1e9));
            }
        }
    }

    // 6. Stack copy size ----------------------------------------------------------------------------------------------

    private void stackCopySizes() throws Exception {
        int depth = 100;
        System.out.printf("%n6. cstack=dwarf stack copy size at 1 kHz on stacks, %d calls deep, without frame pointers:"
                + " samples reaching Thread.run, hot-loop operations per CPU second against fp, reader CPU%n", depth);
        Path collapsed = work.resolve("copy.collapsed");
        Pattern entry = Pattern.compile(";java[/.]lang[/.]Thread\\.run(_\\[[0ij]\\])?;");
        Pattern hotLoop = Pattern.compile("(?m)^hot-loop: (\\d+) operations, cpu (\\d+) ms$");
        double fpRate = 0;
        for (String copy : List.of("fp", "4k", "8k", "16k", "32k", "63k")) {
            List<String> jvm = new ArrayList<>(List.of("-javaagent:" + b.jperf + "=start,event=cpu,interval=1ms,"
                    + (copy.equals("fp") ? "cstack=fp" : "cstack=dwarf,stackcopy=" + copy) + ",threads,file="
                    + collapsed,
                    "-XX:-PreserveFramePointer", "-XX:CompileCommand=quiet",
                    "-XX:CompileCommand=exclude,io.jperf.samples.Workloads::interpretedLoop", "-Dsamples.delay=1",
                    "-Dsamples.depth=" + depth, "-Dsamples.linger=2"));
            Process p = b.start(jvm, "stacks", Integer.toString(seconds));
            String out = String.join("\n", Bench.awaitLines(p, "samples: lingering"));
            long readerTicks = Bench.threadCpuTicks(p.pid(), "jperf-sampler");
            Bench.stop(p);
            Matcher m = hotLoop.matcher(out);
            double rate = m.find() ? Double.parseDouble(m.group(1)) / Double.parseDouble(m.group(2)) * 1000 : 0;
            if (copy.equals("fp")) {
                fpRate = rate;
            }
            long all = 0;
            long rooted = 0;
            Pattern workloadThread = Pattern.compile("^\\[(hot-loop|zlib|syscall|interpreter) tid=\\d+\\];");
            for (String line : Files.readAllLines(collapsed)) {
                if (!workloadThread.matcher(line).find()) {
                    continue;
                }
                long n = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                all += n;
                rooted += entry.matcher(line).find() ? n : 0;
            }
            System.out.printf(Locale.ROOT, "   %-5s %6.2f%% of %d workload samples reach Thread.run; hot loop %.1f"
                    + " operations/cpu s (%+.2f%% against fp); reader %.1f us/sample%n", copy,
                    100.0 * rooted / Math.max(1, all), all, rate, 100.0 * (rate - fpRate) / fpRate,
                    readerTicks * 10_000.0 / Math.max(1, all));
        }
    }

    /** Samples per thread of collapsed stacks whose first frame is "[name tid=N]". */
    private static Map<String, Long> byThread(Path collapsed) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        Pattern thread = Pattern.compile("^\\[(.*?) tid=\\d+\\]");
        for (String line : Files.readAllLines(collapsed)) {
            Matcher t = thread.matcher(line);
            if (t.find()) {
                m.merge(t.group(1), Long.parseLong(line.substring(line.lastIndexOf(' ') + 1)), Long::sum);
            }
        }
        return m;
    }

    // 3. Memory ------------------------------------------------------------------------------------------------------

    /**
     * RSS while the threads work, and native memory at exit (PrintNMTStatistics): with many threads jcmd cannot
     * attach to this workload in time (the JVM's attach listener does not get to start), so nothing here attaches.
     */
    private void memory(int threads) throws Exception {
        Path file = work.resolve("threads.txt");
        List<Variant> variants = List.of(new Variant("no profiler", List.of()), jperfAt(KHZ, file),
                asyncAt(KHZ, work.resolve("ap-threads.collapsed"), false));
        // [variant][measure][run]: a JVM's RSS alone varies by megabytes from run to run, hence medians.
        long[][][] m = new long[variants.size()][3][runs];
        long lost = 0;
        Map<String, String> info = Map.of();
        for (int r = 0; r < runs; r++) {
            for (int v = 0; v < variants.size(); v++) {
                long[] one = memoryOnce(variants.get(v), threads);
                for (int i = 0; i < one.length; i++) {
                    m[v][i][r] = one[i];
                }
                if (v == 1) {
                    info = Bench.keyValues(Files.readAllLines(file));
                    lost += Long.parseLong(info.get("lost"));
                }
            }
        }
        System.out.printf("%n3. Memory with %d threads working in bursts, profiled at 1 kHz (jperf: %s samples in the"
                + " last run, %d lost in all %d, %s)%n", threads, info.get("samples"), lost, runs, info.get("mode"));
        // The rings are kernel memory that no figure below counts; async-profiler maps two pages per thread.
        System.out.printf("   jperf's perf rings: %s (kernel memory, not in RSS)%n", info.get("ring memory"));
        // Not the heap committed at exit: G1 gives back what the final collection freed concurrently, so that figure
        // says how long the JVM took to exit (an agent writing its profile lets it finish), not what it used.
        String[] names = {"RSS while working", "NMT committed, not heap", "live heap after GC"};
        System.out.printf("   (median of %d alternating runs)%n", runs);
        for (int i = 0; i < names.length; i++) {
            double none = Bench.median(m[0][i]);
            System.out.printf(Locale.ROOT, "   %-24s %8.0f KiB; jperf %+8.0f KiB; async-profiler %+8.0f KiB%n",
                    names[i], none / 1024, (Bench.median(m[1][i]) - none) / 1024,
                    (Bench.median(m[2][i]) - none) / 1024);
        }
    }

    /** One run: RSS midway, NMT outside the heap and live heap after GC at exit (bytes). */
    private long[] memoryOnce(Variant variant, int threads) throws Exception {
        List<String> jvm = new ArrayList<>(variant.jvm());
        jvm.addAll(stackFlags());
        jvm.addAll(List.of("-XX:NativeMemoryTracking=summary", "-XX:+UnlockDiagnosticVMOptions",
                "-XX:+PrintNMTStatistics", "-Dsamples.delay=1", "-Dsamples.heap=true"));
        Process p = b.start(jvm, "threads", Integer.toString(seconds), Integer.toString(threads));
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes()));
            } catch (IOException ignored) {
                // The process ended.
            }
        });
        reader.start();
        Thread.sleep((seconds / 2 + 1) * 1000L);
        long[] m = new long[3];
        m[0] = rss(p.pid());
        p.waitFor();
        reader.join();
        for (String l : out.toString().split("\n")) {
            if (l.startsWith("Total:")) {
                m[1] += committedKib(l) * 1024;
            } else if (l.contains("Java Heap (reserved=")) {
                m[1] -= committedKib(l) * 1024; // NMT outside the Java heap
            } else if (l.startsWith("samples: heap used after GC ")) {
                m[2] = Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return m;
    }

    private static long rss(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    /** "committed=123456" (bytes, as PrintNMTStatistics prints them) or "committed=120KB", in KiB. */
    private static long committedKib(String line) {
        Matcher m = Pattern.compile("committed=(\\d+)(KB)?").matcher(line);
        return !m.find() ? 0 : m.group(2) != null ? Long.parseLong(m.group(1)) : Long.parseLong(m.group(1)) / 1024;
    }

    // 4. A big flame graph -------------------------------------------------------------------------------------------

    private void bigFlameGraph() throws Exception {
        Path data = work.resolve("big.data");
        Path html = work.resolve("big.html");
        Process p = b.start(List.of("-javaagent:" + b.jperf + "=start,event=cpu,interval=100us,file=" + data,
                "-XX:+PreserveFramePointer"), "mixed", "55");
        Bench.output(p);
        Bench.run(List.of(b.java(), "-jar", b.jperf.toString(), "flamegraph", "-i", data.toString(), "-o",
                html.toString()));
        Map<String, String> info = Bench.keyValues(List.of(Bench.run(List.of(b.java(), "-jar", b.jperf.toString(),
                "report", "-i", data.toString())).split("\n")));
        Path profile = Files.createTempDirectory(work, "chromium-");
        double[] times = new double[3];
        for (int i = 0; i < times.length; i++) {
            String dom = Bench.run(List.of("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--dump-dom",
                    html.toUri().toString()));
            Matcher m = Pattern.compile("data-load-ms=\"([0-9.]+)\"").matcher(dom);
            times[i] = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        }
        System.out.printf(Locale.ROOT, "%n4. HTML flame graph of %s samples (%d KiB): Chromium draws it %.0f ms after"
                + " navigation starts (median of %d: %s)%n", info.get("samples recorded"), Files.size(html) / 1024,
                Bench.median(times), times.length, java.util.Arrays.toString(times));
    }
}

package io.jperf.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In-process sampling against workloads whose truth is known: a pure-Java hot loop, a zlib thread and a syscall
 * thread, each busy for the same wall time. Each thread's share of the samples must match its share of the CPU time
 * the threads measured themselves, within 2 points; kernel frames must sit under the syscall thread's Java write;
 * the helper inlined into the hot loop must show as an inlined frame; nothing may be lost.
 */
class SamplingIT {
    private static final List<String> THREADS = List.of("hot-loop", "zlib", "syscall");

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void threadsGetTheirTrueShareWithMergedStacks(Jdks.Jdk jdk) throws Exception {
        assertTruth(jdk, "cpu", "fp");
    }

    /** The same with one ring per thread: the workload threads start after sampling did and are added as they do. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void perThreadRingsToo(Jdks.Jdk jdk) throws Exception {
        assertTruth(jdk, "thread", "fp");
    }

    /**
     * Without frame pointers a stack deeper than the copy ends where the copy ends: 100 interpreted calls (about
     * 19 KiB) are cut with stackcopy=8k and whole with stackcopy=32k.
     */
    @org.junit.jupiter.api.Test
    void stackCopySizeDecidesHowDeepStacksReach() throws Exception {
        Map<String, Double> rooted = new java.util.TreeMap<>();
        for (String copy : List.of("8k", "32k")) {
            Path dir = Files.createTempDirectory("jperf-deep-");
            Path out = dir.resolve("deep.collapsed");
            try (Target t = Target.with(Jdks.current()).jvm("-XX:-PreserveFramePointer", "-Dsamples.delay=1",
                    "-Dsamples.depth=100").agent("start,event=cpu,interval=1ms,threads,stackcopy=" + copy + ",file="
                    + out).start("hotloop", 3)) {
                assertEquals(0, t.waitFor(Duration.ofSeconds(120)), t.stderr());
                List<Profiles.Stack> stacks = Profiles.collapsed(out).stream()
                        .filter(s -> s.thread().equals("hot-loop")).collect(Collectors.toList());
                long all = count(stacks, s -> true);
                assertTrue(all > 1000, "samples: " + all);
                rooted.put(copy, 100.0 * count(stacks, s -> s.has("java/lang/Thread\\.run_\\[0\\]")) / all);
            } finally {
                JitDumpIT.delete(dir);
            }
        }
        System.out.printf("100 calls deep, share of hot-loop samples reaching Thread.run by copy size: %s%n", rooted);
        assertTrue(rooted.get("8k") < 50, rooted.toString());
        assertTrue(rooted.get("32k") >= 99, rooted.toString());
    }

    /**
     * No silent loss: full collections of a big heap stop the JVM, jperf's reader with it, for longer than rings of
     * 63 KiB stack copies hold at 1 kHz (128 ms); work between them lets the kernel report the losses. The
     * application ends normally, jperf says so once, with what helps, and the profile counts the samples lost.
     */
    @org.junit.jupiter.api.Test
    void lossesAreSaidAndCounted() throws Exception {
        Path dir = Files.createTempDirectory("jperf-loss-");
        Path data = dir.resolve("loss.data");
        try (Target t = Target.with(Jdks.current()).jvm("-XX:+UseSerialGC", "-Xmx1g", "-Xlog:gc",
                "-Dsamples.delay=1").agent("start,event=cpu,interval=1ms,stackcopy=63k,file=" + data)
                .start("fullgcs", 1)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(120)), t.stderr());
            assertTrue(t.stdout().contains("collector: 3 operations"), t.stdout());
            assertEquals(List.of("jperf: samples lost: the rings filled before the reader drained them (it stops at"
                    + " the JVM's safepoints and waits for a CPU like any thread); every output counts them. Fewer"
                    + " are lost with a longer interval, or a smaller stackcopy, or cstack=fp with"
                    + " -XX:+PreserveFramePointer (no stack copies)"), BadInputIT.jperfLines(t.stderr()),
                    t.stdout());
            Proc.Result report = Proc.jperf(Jdks.current(), "report", "-i", data.toString()).assertOk();
            assertTrue(Long.parseLong(Profiles.header(report.out()).get("lost")) > 0, report.out());
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> jdksWithAndWithoutFramePointers() {
        return Jdks.all().stream().flatMap(jdk -> java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(jdk, "-XX:-PreserveFramePointer"),
                org.junit.jupiter.params.provider.Arguments.of(jdk, "-XX:+PreserveFramePointer")));
    }

    /**
     * Complete stacks on the JVM's own command line, by default (cstack=auto is dwarf): a compiled hot loop, zlib
     * (Debian's libz has no frame pointers), system calls and a method excluded from compilation, one thread each.
     * With frame pointers or without, every root method's share (the samples that reach the thread's entry through
     * the workload's loop) is within one point of the CPU time its thread measured, at least 99 % of each thread's
     * samples are rooted at start_thread, and interpreted frames are named (at most 1 % unnamed).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("jdksWithAndWithoutFramePointers")
    void completeStacksByDefault(Jdks.Jdk jdk, String framePointers) throws Exception {
        Path dir = Files.createTempDirectory("jperf-stacks-");
        Path data = dir.resolve("stacks.data");
        try (Target t = Target.with(jdk).jvm(framePointers, "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=exclude,io.jperf.samples.Workloads::interpretedLoop", "-Dsamples.delay=1")
                .agent("start,event=cpu,interval=1ms,file=" + data).start("stacks", 5)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(120)), t.stderr());
            assertEquals(List.of(), BadInputIT.jperfLines(t.stderr()));
            Map<String, Long> cpu = Profiles.cpuMillis(t.stdout());
            List<String> threads = List.of("hot-loop", "zlib", "syscall", "interpreter");
            assertEquals(threads.size(), cpu.size(), t.stdout());

            Proc.Result report = Proc.jperf(jdk, "report", "-i", data.toString()).assertOk();
            Map<String, String> info = Profiles.header(report.out());
            assertEquals("0", info.get("lost"), report.out());
            assertTrue(info.get("stacks").startsWith("dwarf "), info.get("stacks"));
            // 16 KiB copies at 1 kHz: a second would take more than the most, 8 MiB.
            assertRingKib(info, 8 * 1024, true);
            Path collapsed = dir.resolve("stacks.collapsed");
            Proc.jperf(jdk, "flamegraph", "-i", data.toString(), "-o", collapsed.toString(), "--threads")
                    .assertOk();
            List<Profiles.Stack> stacks = Profiles.collapsed(collapsed).stream()
                    .filter(s -> threads.contains(s.thread())).collect(Collectors.toList());
            long sampleTotal = stacks.stream().mapToLong(Profiles.Stack::count).sum();
            long cpuTotal = threads.stream().mapToLong(cpu::get).sum();
            StringBuilder table = new StringBuilder();
            List<String> failures = new java.util.ArrayList<>();
            for (String thread : threads) {
                long all = count(stacks, s -> s.thread().equals(thread));
                long rooted = count(stacks, s -> s.thread().equals(thread)
                        && List.of("start_thread", "__clone3").contains(s.frames().get(1)));
                long rootMethod = count(stacks, s -> s.thread().equals(thread) && s.has("start_thread")
                        && s.has("io/jperf/samples/Workloads\\$Workload\\.runUntil_\\[[0ji]\\]"));
                double truth = 100.0 * cpu.get(thread) / cpuTotal;
                double measured = 100.0 * rootMethod / sampleTotal;
                table.append(String.format("%s %s %s: truth %.2f%%, root method %.2f%%, %.2f%% of %d samples rooted"
                        + "%n", jdk, framePointers, thread, truth, measured, 100.0 * rooted / all, all));
                if (Math.abs(truth - measured) > 1.0) {
                    failures.add(thread + " share");
                }
                if (rooted < all * 0.99) {
                    failures.add(thread + " rooted");
                }
            }
            long interpreted = count(stacks, s -> s.thread().equals("interpreter")
                    && s.has("io/jperf/samples/Workloads\\.interpretedLoop_\\[0\\]") && s.has("start_thread"));
            long interpreter = count(stacks, s -> s.thread().equals("interpreter"));
            long unnamed = count(stacks, s -> s.has("\\[interpreted\\]_\\[0\\]"));
            table.append(String.format("%s %s: %.2f%% of %d interpreter samples under the named interpreted"
                    + " Workloads.interpretedLoop_[0] (the rest: its caller's loop, thread start and exit), %d samples"
                    + " with unnamed interpreted frames%n", jdk, framePointers, 100.0 * interpreted / interpreter,
                    interpreter, unnamed));
            if (interpreted < interpreter * 0.98 || unnamed > interpreter / 100) {
                failures.add("interpreted frames");
            }
            System.out.print(table);
            assertEquals(List.of(), failures, table.toString());
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /**
     * Interpreted frames get their source line from the bytecode pointer (the interpreter's register for the running
     * frame) and the method's compressed line number table: the samples of a method that stays interpreted fall on
     * the lines of its loop, as the source file says.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void interpretedFramesHaveTheirLines(Jdks.Jdk jdk) throws Exception {
        List<String> source = Files.readAllLines(Path.of("../samples/src/main/java/io/jperf/samples/Workloads.java"));
        int declared = source.indexOf("    static long interpretedLoop(long seed) {") + 1;
        int loop = declared + 2;
        int body = loop + 1;
        assertTrue(declared > 0 && source.get(loop - 1).contains("for (") && source.get(body - 1).contains("x = ("),
                "the loop's lines in Workloads.java");
        Path dir = Files.createTempDirectory("jperf-lines-");
        Path out = dir.resolve("interpreted.collapsed");
        try (Target t = Target.with(jdk).jvm("-XX:CompileCommand=quiet",
                "-XX:CompileCommand=exclude,io.jperf.samples.Workloads::interpretedLoop", "-Dsamples.delay=1")
                .agent("start,event=cpu,interval=1ms,lines,file=" + out).start("interpreted", 3)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(120)), t.stderr());
            java.util.regex.Pattern frame = java.util.regex.Pattern.compile(
                    "io/jperf/samples/Workloads\\.interpretedLoop\\(Workloads\\.java:(\\d+)\\)_\\[0\\]");
            Map<Integer, Long> byLine = new java.util.TreeMap<>();
            long unnumbered = 0;
            for (Profiles.Stack s : Profiles.collapsed(out)) {
                for (String f : s.frames()) {
                    java.util.regex.Matcher m = frame.matcher(f);
                    if (m.matches()) {
                        byLine.merge(Integer.parseInt(m.group(1)), s.count(), Long::sum);
                    } else if (f.startsWith("io/jperf/samples/Workloads.interpretedLoop")) {
                        unnumbered += s.count();
                    }
                }
            }
            long all = byLine.values().stream().mapToLong(Long::longValue).sum() + unnumbered;
            long inLoop = byLine.entrySet().stream().filter(e -> e.getKey() == loop || e.getKey() == body)
                    .mapToLong(Map.Entry::getValue).sum();
            System.out.printf("%s: interpretedLoop samples by line %s, %d without a line; the loop is lines %d-%d%n",
                    jdk, byLine, unnumbered, loop, body);
            assertTrue(all > 1000, "samples: " + all);
            assertTrue(inLoop >= all * 0.95, byLine + " (loop: lines " + loop + "-" + body + ")");
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /**
     * The header's ring memory ("N rings, K KiB") gives each ring {@code kib} and its header page. Exact where nothing
     * shrinks rings: as root (no locked-memory limit), and for per-CPU rings on up to 8 CPUs (more share the budget);
     * elsewhere each ring is at most that size.
     */
    private static void assertRingKib(Map<String, String> info, long kib, boolean perCpu) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) rings?, (\\d+) KiB").matcher(
                info.get("ring memory"));
        assertTrue(m.matches() && Long.parseLong(m.group(1)) > 0, info.get("ring memory"));
        long rings = Long.parseLong(m.group(1));
        long all = Long.parseLong(m.group(2));
        if ("root".equals(System.getProperty("user.name")) && (!perCpu || rings <= 8)) {
            assertEquals((kib + 4) * rings, all, info.get("ring memory"));
        } else {
            assertTrue(all <= (kib + 4) * rings, info.get("ring memory"));
        }
    }

    private static long count(List<Profiles.Stack> stacks, java.util.function.Predicate<Profiles.Stack> which) {
        return stacks.stream().filter(which).mapToLong(Profiles.Stack::count).sum();
    }

    private static void assertTruth(Jdks.Jdk jdk, String rings, String cstack) throws Exception {
        Path dir = Files.createTempDirectory("jperf-sampling-");
        Path data = dir.resolve("mixed.data");
        try (Target t = Target.with(jdk).jvm("-XX:+PreserveFramePointer", "-Dsamples.delay=1")
                .agent("start,event=cpu,interval=1ms,rings=" + rings + ",cstack=" + cstack + ",file=" + data)
                .start("mixed", 4)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(120)), t.stderr());
            assertEquals(List.of(), BadInputIT.jperfLines(t.stderr()));
            Map<String, Long> cpu = Profiles.cpuMillis(t.stdout());
            assertEquals(THREADS.size(), cpu.size(), t.stdout());

            Proc.Result report = Proc.jperf(jdk, "report", "-i", data.toString()).assertOk();
            Map<String, String> info = Profiles.header(report.out());
            assertEquals("0", info.get("lost"), report.out());
            assertEquals("0", info.get("samples waiting"), report.out());
            assertEquals(rings.equals("cpu") ? "per-CPU rings (inherit)" : "per-thread rings", info.get("mode"));
            assertTrue(info.get("stacks").startsWith(cstack + " "), info.get("stacks"));
            // Call chains only: 1 MiB per CPU, 8 pages per thread.
            assertRingKib(info, rings.equals("cpu") ? 1024 : 32, rings.equals("cpu"));

            Path collapsed = dir.resolve("mixed.collapsed");
            Proc.jperf(jdk, "flamegraph", "-i", data.toString(), "-o", collapsed.toString(), "--threads")
                    .assertOk();
            List<Profiles.Stack> stacks = Profiles.collapsed(collapsed);
            Map<String, Long> samples = Profiles.samplesByThread(stacks);
            long cpuTotal = THREADS.stream().mapToLong(cpu::get).sum();
            long sampleTotal = THREADS.stream().mapToLong(n -> samples.getOrDefault(n, 0L)).sum();
            StringBuilder table = new StringBuilder();
            for (String thread : THREADS) {
                double truth = 100.0 * cpu.get(thread) / cpuTotal;
                double measured = 100.0 * samples.getOrDefault(thread, 0L) / sampleTotal;
                table.append(String.format("%s %s %s: truth %.2f%% (%d ms), profile %.2f%% (%d samples)%n", jdk, rings, thread,
                        truth, cpu.get(thread), measured, samples.getOrDefault(thread, 0L)));
                assertTrue(Math.abs(truth - measured) <= 2.0, table.toString());
            }
            System.out.print(table);

            for (String thread : THREADS) {
                long all = stacks.stream().filter(st -> st.thread().equals(thread)).mapToLong(Profiles.Stack::count)
                        .sum();
                long rooted = stacks.stream().filter(st -> st.thread().equals(thread) && st.has("start_thread"))
                        .mapToLong(Profiles.Stack::count).sum();
                System.out.printf("%s %s %s: %.2f%% of %d samples rooted at start_thread%n", jdk, cstack, thread,
                        100.0 * rooted / all, all);
            }

            List<Profiles.Stack> syscall = stacks.stream().filter(s -> s.thread().equals("syscall"))
                    .collect(Collectors.toList());
            if ("yes".equals(info.get("kernel frames"))) {
                long kernelUnderWrite = syscall.stream().filter(s -> {
                    int write = s.indexOf("java/io/FileOutputStream\\.writeBytes_\\[j\\]");
                    int kernel = s.indexOf(".*_\\[k\\]");
                    return write >= 0 && kernel > write;
                }).mapToLong(Profiles.Stack::count).sum();
                long syscallSamples = syscall.stream().mapToLong(Profiles.Stack::count).sum();
                System.out.printf("%s: %d of %d syscall samples have kernel frames under FileOutputStream.writeBytes%n",
                        jdk, kernelUnderWrite, syscallSamples);
                assertTrue(kernelUnderWrite >= syscallSamples / 5, "too few kernel frames under the Java write");
            }

            long inlined = stacks.stream().filter(s -> s.thread().equals("hot-loop")
                    && s.has("io/jperf/samples/Workloads\\.mix_\\[i\\]")
                    && s.indexOf("io/jperf/samples/Workloads\\.mix_\\[i\\]")
                    > s.indexOf("io/jperf/samples/Workloads\\.hotLoop_\\[[ji]\\]")).mapToLong(Profiles.Stack::count)
                    .sum();
            System.out.printf("%s: %d hot-loop samples in the inlined helper mix_[i] under hotLoop%n", jdk, inlined);
            assertTrue(inlined > samples.get("hot-loop") / 10, "the inlined helper is missing from the hot loop");
        } finally {
            JitDumpIT.delete(dir);
        }
    }
}

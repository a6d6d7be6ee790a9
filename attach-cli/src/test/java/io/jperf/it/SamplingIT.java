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
     * cstack=dwarf: user stacks unwound from stack copies by DWARF call frame information, so that the callers of
     * libraries built without frame pointers (Debian's libz) are found: every thread's samples must reach its root.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void dwarfUnwindingReachesEveryRoot(Jdks.Jdk jdk) throws Exception {
        assertTruth(jdk, "cpu", "dwarf");
    }

    /**
     * Without -XX:+PreserveFramePointer (the JVM's default), cstack=dwarf walks compiled Java frames by the frame
     * sizes in HotSpot's code blob headers and interpreted ones by their saved frame pointers: nearly every sample
     * reaches Thread.run (96-100 % measured; the rest are mostly leaf frames caught in a prologue or epilogue).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void dwarfWithoutFramePointers(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-nofp-");
        Path out = dir.resolve("mixed.collapsed");
        try (Target t = Target.with(jdk).jvm("-XX:-PreserveFramePointer", "-Dsamples.delay=1")
                .agent("start,event=cpu,interval=1ms,cstack=dwarf,threads,file=" + out).start("mixed", 3)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(120)), t.stderr());
            List<Profiles.Stack> stacks = Profiles.collapsed(out);
            for (String thread : THREADS) {
                long all = stacks.stream().filter(st -> st.thread().equals(thread)).mapToLong(Profiles.Stack::count)
                        .sum();
                long rooted = stacks.stream().filter(st -> st.thread().equals(thread)
                        && st.has("java/lang/Thread\\.run_\\[[0ji]\\]")).mapToLong(Profiles.Stack::count).sum();
                System.out.printf("%s no frame pointers, dwarf, %s: %.2f%% of %d samples reach Thread.run%n", jdk,
                        thread, 100.0 * rooted / all, all);
                assertTrue(rooted >= all * 0.9, thread + ": " + rooted + " of " + all);
            }
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /**
     * A method the JIT may not compile runs in the interpreter: with cstack=dwarf its frames are named from the
     * Method* each interpreter frame holds (HotSpot's VMStructs, read safely), not just "[interpreted]".
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void interpretedFramesAreNamed(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-interpreted-");
        Path out = dir.resolve("hotloop.collapsed");
        try (Target t = Target.with(jdk).jvm("-XX:+PreserveFramePointer", "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=exclude,io.jperf.samples.Workloads::hotLoop", "-Dsamples.delay=1")
                .agent("start,event=cpu,interval=1ms,cstack=dwarf,threads,file=" + out).start("hotloop", 3)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(120)), t.stderr());
            List<Profiles.Stack> stacks = Profiles.collapsed(out).stream()
                    .filter(s -> s.thread().equals("hot-loop")).collect(Collectors.toList());
            long all = stacks.stream().mapToLong(Profiles.Stack::count).sum();
            long named = stacks.stream().filter(s -> s.has("io/jperf/samples/Workloads\\.hotLoop_\\[0\\]")
                    && s.has("java/lang/Thread\\.run_\\[[0ji]\\]")).mapToLong(Profiles.Stack::count).sum();
            System.out.printf("%s: %d of %d hot-loop samples under the interpreted Workloads.hotLoop_[0], rooted at"
                    + " Thread.run%n", jdk, named, all);
            assertTrue(all > 1000, "samples: " + all);
            assertTrue(named >= all * 0.9, named + " of " + all);
        } finally {
            JitDumpIT.delete(dir);
        }
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
                if (cstack.equals("dwarf")) {
                    assertTrue(rooted >= all * 0.99, thread + ": " + rooted + " of " + all + " rooted");
                }
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

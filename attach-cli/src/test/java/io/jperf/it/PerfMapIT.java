package io.jperf.it;

import org.junit.jupiter.api.BeforeAll;
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
 * Java names for the real perf: a pure-Java thread sampled by {@code perf record -g} resolves its leaf frames through
 * jperf's /tmp/perf-PID.map, whether jperf was there from the start or attached later.
 */
class PerfMapIT {
    @BeforeAll
    static void perfInstalled() {
        Perf.assumeInstalled();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void leafFramesResolveWhenLoadedAtStartup(Jdks.Jdk jdk) throws Exception {
        try (Target t = Target.with(jdk).jvm("-XX:+PreserveFramePointer").agent("perfmap").start("mixed", 15)) {
            PerfMapFile.await(t.pid(), Duration.ofSeconds(10));
            assertJavaLeaves(t, 98.0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void leafFramesResolveWhenAttachedLater(Jdks.Jdk jdk) throws Exception {
        try (Target t = Target.with(jdk).jvm("-XX:+PreserveFramePointer").start("mixed", 15)) {
            Thread.sleep(1500);
            Proc.Result r = Proc.jperf(jdk, "perfmap", "-p", Long.toString(t.pid())).assertOk();
            assertTrue(r.out().contains(PerfMapFile.of(t.pid()).toString()), r.out());
            PerfMapFile.await(t.pid(), Duration.ofSeconds(10));
            assertJavaLeaves(t, 98.0);
            assertEquals("", jperfLines(t.stderr()), "the agent said something");
        }
    }

    /**
     * With unfold, the inlined helper of the hot loop is named in the chain of the code it was inlined into: the loop
     * compiled on its own ({@code hotLoop_[j]->mix_[i]}) or itself inlined ({@code ...->hotLoop_[i]->mix_[i]}),
     * whichever the JIT chose.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void unfoldNamesInlinedFrames(Jdks.Jdk jdk) throws Exception {
        try (Target t = Target.with(jdk).agent("perfmap,unfold,ann").start("hotloop", 15)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            boolean found = false;
            while (!found && System.nanoTime() < deadline) {
                Thread.sleep(200);
                if (Files.exists(PerfMapFile.of(t.pid()))) {
                    found = PerfMapFile.read(PerfMapFile.of(t.pid())).values().stream().anyMatch(s -> s.name()
                            .matches(".*io/jperf/samples/Workloads\\.hotLoop_\\[[ji]\\]->io/jperf/samples/Workloads"
                                    + "\\.mix_\\[i\\].*"));
                }
            }
            assertTrue(found, "no hotLoop->mix_[i] range in " + PerfMapFile.of(t.pid()));
        }
    }

    private static void assertJavaLeaves(Target t, double minPercent) throws Exception {
        Thread.sleep(1000);
        Path data = Files.createTempFile("jperf-it-", ".data");
        try {
            Perf.record(t.pid(), 3, data);
            List<Perf.Sample> hot = Perf.script(data).stream().filter(s -> s.comm().equals("hot-loop"))
                    .collect(Collectors.toList());
            Map<Long, PerfMapFile.Symbol> map = PerfMapFile.read(PerfMapFile.of(t.pid()));
            long javaLeaves = hot.stream().filter(s -> s.leaf() != null && s.leaf().fromPerfMap()
                    && new PerfMapFile.Symbol(0, 0, s.leaf().symbol()).isJavaMethod()).count();
            double percent = 100.0 * javaLeaves / Math.max(1, hot.size());
            String others = hot.stream().filter(s -> s.leaf() == null || !s.leaf().fromPerfMap())
                    .limit(5).map(s -> String.valueOf(s.leaf())).collect(Collectors.joining("\n"));
            System.out.printf("%s: %d of %d hot-loop samples (%.2f%%) have a Java leaf; map has %d symbols%n",
                    t.pid(), javaLeaves, hot.size(), percent, map.size());
            assertTrue(hot.size() >= 300, "too few hot-loop samples: " + hot.size());
            assertTrue(percent >= minPercent, String.format("only %.2f%% Java leaves; others:%n%s", percent, others));
        } finally {
            Files.deleteIfExists(data);
        }
    }

    static String jperfLines(String stderr) {
        return stderr.lines().filter(l -> l.startsWith("jperf:")).collect(Collectors.joining("\n"));
    }
}

package io.jperf.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jitdump round trip with the real perf: {@code perf record -k mono}, {@code perf inject --jit}, then
 * {@code perf report} shows Java method names and {@code perf annotate -l} Java source lines for the hot loop.
 */
class JitDumpIT {
    private static final Path WORKLOADS_SOURCE = Path.of("../samples/src/main/java/io/jperf/samples/Workloads.java");

    @BeforeAll
    static void perfInstalled() {
        Perf.assumeInstalled();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void roundTripWhenLoadedAtStartup(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-jitdump-");
        try (Target t = Target.with(jdk).jvm("-XX:+PreserveFramePointer")
                .agent("jitdump,jitdumpdir=" + dir).start("hotloop", 15)) {
            Thread.sleep(2000);
            Path data = dir.resolve("perf.data");
            Perf.record(t.pid(), 3, data, "-k", "mono");
            assertJavaNamesAndLines(dir, data, t.pid());
        } finally {
            delete(dir);
        }
    }

    /** perf already records when jperf arrives: code compiled before the attach resolves too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void roundTripWhenAttachedDuringRecording(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-jitdump-");
        try (Target t = Target.with(jdk).jvm("-XX:+PreserveFramePointer").start("hotloop", 15)) {
            Thread.sleep(2000);
            Path data = dir.resolve("perf.data");
            Process perf = Perf.startRecording(t.pid(), 4, data, "-k", "mono");
            Thread.sleep(1000);
            Proc.jperf(jdk, "perfmap", "-p", Long.toString(t.pid()), "--jitdump", "--jitdump-dir", dir.toString())
                    .assertOk();
            assertTrue(perf.waitFor() == 0, "perf record failed");
            assertJavaNamesAndLines(dir, data, t.pid());
        } finally {
            delete(dir);
        }
    }

    private static void assertJavaNamesAndLines(Path dir, Path data, long pid) throws Exception {
        assertTrue(Files.exists(dir.resolve("jit-" + pid + ".dump")), "no jit-" + pid + ".dump in " + dir);
        Path injected = dir.resolve("perf.jit.data");
        Proc.run(Duration.ofSeconds(120), "perf", "inject", "--jit", "-i", data.toString(), "-o",
                injected.toString()).assertOk();
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("jitted-" + pid + "-")),
                    "perf inject made no jitted-" + pid + "-*.so");
        }
        String symbols = report(injected, "sym");
        double java = topPercent(symbols, "io/jperf/samples/Workloads");
        System.out.printf("%d: %.1f%% of hot-loop samples in Workloads methods%n", pid, java);
        assertTrue(java >= 80, "Java names missing from perf report:\n" + symbols);

        // perf annotate of the hottest Java method shows its Java source lines. Where in the loop a sample lands
        // depends on where the JIT put its safepoints, so the test asks for the loop's source file and reports
        // how much went to the inlined helper's line.
        String hottest = hottestJavaSymbol(symbols);
        String annotated = Proc.run(Duration.ofSeconds(120), "perf", "annotate", "-i", injected.toString(),
                "--stdio", "-l", hottest).assertOk().out();
        double inSource = summaryPercent(annotated, "Workloads.java:");
        String helper = "Workloads.java:" + lineOf("long y = (x ^ (x >>> 29))");
        System.out.printf("%d: %s: %.1f%% of its samples at Workloads.java lines, %.1f%% at %s (inlined helper)%n",
                pid, hottest, inSource, summaryPercent(annotated, helper), helper);
        assertTrue(inSource >= 80, "expected Workloads.java lines in perf annotate:\n" + annotated);
    }

    private static String hottestJavaSymbol(String report) {
        for (String l : report.split("\n")) {
            int at = l.indexOf("[.] io/jperf/samples/Workloads");
            if (!l.trim().startsWith("#") && at >= 0) {
                return l.substring(at + 4).trim();
            }
        }
        throw new AssertionError("no Workloads symbol in\n" + report);
    }

    /** perf annotate -l starts with a summary: "  99.20 Workloads.java:65" per source line. */
    private static double summaryPercent(String annotated, String text) {
        double sum = 0;
        for (String l : annotated.split("\n")) {
            String t = l.trim();
            if (t.startsWith("Percent")) {
                break;
            }
            if (t.contains(text) && t.matches("^[0-9.]+ .*")) {
                sum += Double.parseDouble(t.substring(0, t.indexOf(' ')));
            }
        }
        return sum;
    }

    /** The hot-loop thread's samples by {@code sort} key. */
    private static String report(Path data, String sort) throws IOException, InterruptedException {
        return Proc.run(Duration.ofSeconds(300), "perf", "report", "-i", data.toString(), "--stdio", "--no-children",
                "--comms", "hot-loop", "--percentage", "relative", "-g", "none", "--sort", sort).assertOk().out();
    }

    /** Sum of the percentages of report lines containing {@code text}. */
    static double topPercent(String report, String text) {
        double sum = 0;
        for (String l : report.split("\n")) {
            String t = l.trim();
            if (!t.startsWith("#") && t.contains(text) && t.matches("^[0-9.]+%.*")) {
                sum += Double.parseDouble(t.substring(0, t.indexOf('%')));
            }
        }
        return sum;
    }

    private static int lineOf(String code) throws IOException {
        List<String> source = Files.readAllLines(WORKLOADS_SOURCE);
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).contains(code)) {
                return i + 1;
            }
        }
        throw new AssertionError(code + " not in " + WORKLOADS_SOURCE);
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}

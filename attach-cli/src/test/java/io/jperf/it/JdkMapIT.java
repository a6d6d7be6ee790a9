package io.jperf.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jperf's map against the JDK's own: the same compiled methods at the same addresses, also after 30 s of churn. */
class JdkMapIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void compiledMethodsMatchTheJdksMap(Jdks.Jdk jdk) throws Exception {
        try (Target t = Target.with(jdk).jvm("-Dsamples.linger=60").agent("perfmap").start("mixed", 4)) {
            t.awaitOutput("samples: lingering");
            Thread.sleep(2000);
            Comparison c = compare(jdk, t.pid());
            System.out.println(jdk + " " + c);
            assertTrue(c.presentPercent() >= 99.0, c.toString());
        }
    }

    /**
     * 30 s of compilation and class unloading: the map ends equal to the code cache (every compiled method the JDK
     * lists is in it, and nothing it kept is gone), the JVM is unharmed and jperf's own objects do not grow.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void churnEndsWithTheMapEqualToTheCodeCache(Jdks.Jdk jdk) throws Exception {
        try (Target t = Target.with(jdk).jvm("-Dsamples.linger=60").agent("perfmap").start("churn", 30)) {
            Thread.sleep(12_000);
            Histogram early = Histogram.of(jdk, t.pid());
            t.awaitOutput("samples: lingering");
            Thread.sleep(2000);
            Histogram late = Histogram.of(jdk, t.pid());
            Comparison c = compare(jdk, t.pid());
            System.out.println(jdk + " churn " + c + "; jperf objects at 12 s " + early + ", at the end " + late);
            assertEquals(100.0, c.presentPercent(), c.toString());
            assertEquals(List.of(), c.stale(), "jperf kept code the JDK no longer has");
            assertTrue(late.bytes() <= early.bytes() * 1.25 + 256 * 1024,
                    "jperf's objects grew from " + early + " to " + late);
            assertTrue(t.isAlive());
            assertEquals("", PerfMapIT.jperfLines(t.stderr()));
            assertTrue(t.stdout().contains("classes compiled and dropped"), t.stdout());
            assertTrue(Files.notExists(Path.of("hs_err_pid" + t.pid() + ".log")));
        }
    }

    /** What the JDK's map and jperf's agree on. */
    record Comparison(int jdkCompiled, List<String> missing, List<String> stale) {
        double presentPercent() {
            return 100.0 * (jdkCompiled - missing.size()) / Math.max(1, jdkCompiled);
        }

        @Override
        public String toString() {
            return String.format("JDK map: %d compiled methods, %.3f%% in jperf's at the same address; missing %s;"
                    + " stale %s", jdkCompiled, presentPercent(), head(missing), head(stale));
        }

        private static String head(List<String> l) {
            return l.size() + (l.isEmpty() ? "" : " " + l.subList(0, Math.min(10, l.size())));
        }
    }

    /**
     * Ours before the JDK's map (A) and after (B): each JDK method must be in A or B; a Java method in both A and B
     * (same address, same name) but not in the JDK's map was kept after it was gone.
     */
    static Comparison compare(Jdks.Jdk jdk, long pid) throws IOException, InterruptedException {
        Map<Long, PerfMapFile.Symbol> before = PerfMapFile.read(PerfMapFile.of(pid));
        Map<Long, PerfMapFile.Symbol> theirs = JdkMap.compiledMethods(jdk, pid);
        Map<Long, PerfMapFile.Symbol> after = JdkMap.oursAfter(jdk, pid);
        Map<Long, PerfMapFile.Symbol> union = new HashMap<>(before);
        union.putAll(after);
        List<String> missing = theirs.values().stream().filter(s -> !union.containsKey(s.start()))
                .map(s -> Long.toHexString(s.start()) + " " + s.name()).collect(Collectors.toList());
        List<String> stale = before.values().stream()
                .filter(s -> s.isJavaMethod() && s.equals(after.get(s.start())) && !theirs.containsKey(s.start()))
                .map(s -> Long.toHexString(s.start()) + " " + s.name()).collect(Collectors.toList());
        return new Comparison(theirs.size(), missing, stale);
    }

    /** jperf's own objects in the target, from {@code jcmd GC.class_histogram} (which collects first). */
    record Histogram(long instances, long bytes) {
        static Histogram of(Jdks.Jdk jdk, long pid) throws IOException, InterruptedException {
            String out = Proc.run(Duration.ofSeconds(60), jdk.jcmd().toString(), Long.toString(pid),
                    "GC.class_histogram").assertOk().out();
            long instances = 0;
            long bytes = 0;
            for (String line : out.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[3].startsWith("io.jperf.")) {
                    instances += Long.parseLong(f[1]);
                    bytes += Long.parseLong(f[2]);
                }
            }
            return new Histogram(instances, bytes);
        }

        @Override
        public String toString() {
            return instances + " objects, " + bytes / 1024 + " KiB";
        }
    }
}

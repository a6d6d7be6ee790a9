package io.jperf.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application with its own, older JNA (5.13.0) on the class path keeps using it while the agent runs on its own
 * JNA from the nested jar; C2 compiles the application's code but not jperf's.
 */
class IsolationIT {
    private static final Path APP_JNA = Path.of(System.getProperty("jperf.appjna", "target/it-lib/jna-5.13.0.jar"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void applicationKeepsItsOwnJna(Jdks.Jdk jdk) throws Exception {
        String cp = Target.SAMPLES_JAR.toAbsolutePath() + ":" + APP_JNA.toAbsolutePath();
        try (Target t = Target.with(jdk).agent("perfmap").classPath(cp).start("jna", 4)) {
            PerfMapFile.await(t.pid(), Duration.ofSeconds(10));
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)), t.stderr());
            Matcher m = t.awaitOutput("jna: application JNA (\\S+) from (\\S+), (\\d+) calls ok");
            assertEquals("5.13.0", m.group(1));
            assertTrue(m.group(2).endsWith("jna-5.13.0.jar"), m.group(2));
            assertTrue(Long.parseLong(m.group(3)) > 100, m.group());
            assertEquals(0, BadInputIT.jperfLines(t.stderr()).size(), t.stderr());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void c2CompilesTheApplicationButNotJperf(Jdks.Jdk jdk) throws Exception {
        try (Target t = Target.with(jdk).agent("start,interval=1ms,file=" + Files.createTempFile("jperf-c2-",
                ".collapsed")).start("mixed", 8)) {
            t.awaitOutput("samples: mixed running in");
            Thread.sleep(5_000); // the reader has read thousands of samples: its methods are hot
            String directives = Proc.run(Duration.ofSeconds(60), jdk.jcmd().toString(), Long.toString(t.pid()),
                    "Compiler.directives_print").assertOk().out();
            assertTrue(directives.contains("io/jperf/perf/*.*"), directives);
            assertFalse(directives.contains("io/jperf/samples/"), directives);
            // "id level ... class.method(signature) [addresses]" for each method in the code cache
            Map<Integer, List<String>> byLevel = new TreeMap<>();
            for (String line : Proc.run(Duration.ofSeconds(60), jdk.jcmd().toString(), Long.toString(t.pid()),
                    "Compiler.codelist").assertOk().out().split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 4 && f[1].matches("[0-4]") && f[3].startsWith("io.jperf.")) {
                    byLevel.computeIfAbsent(Integer.parseInt(f[1]), k -> new ArrayList<>()).add(f[3]);
                }
            }
            List<String> c2 = byLevel.getOrDefault(4, List.of());
            assertTrue(c2.stream().anyMatch(m -> m.startsWith("io.jperf.samples.Workloads.")), byLevel.toString());
            assertEquals(List.of(), c2.stream().filter(m -> !m.startsWith("io.jperf.samples.")).toList());
            assertTrue(byLevel.getOrDefault(1, List.of()).stream().anyMatch(m -> m.startsWith("io.jperf.perf.")),
                    byLevel.toString());
        }
    }
}

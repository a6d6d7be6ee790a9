package io.jperf.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application with its own, older JNA (5.13.0) on the class path keeps using it while the agent runs on its own
 * JNA from the nested jar.
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
}

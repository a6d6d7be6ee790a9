package io.jperf.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Bad options and hostile or unwritable /tmp: one jperf line that says what to do, and the application runs on. */
class BadInputIT {
    private static final Jdks.Jdk JDK = Jdks.current();

    @ParameterizedTest
    @ValueSource(strings = {"perfmap,bogus", "perfmap,dot=3", "perfmap,jitdumpdir=", "perfmap,,=x"})
    void badAgentOptionsSayOneLineAndTheApplicationRuns(String options) throws Exception {
        try (Target t = Target.with(JDK).agent(options).start("hotloop", 1)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)));
            List<String> lines = jperfLines(t.stderr());
            assertEquals(1, lines.size(), "expected one jperf line, got: " + t.stderr());
            assertTrue(lines.get(0).contains("option"), lines.get(0));
            assertTrue(t.stdout().contains("hot-loop: "), "the application did not finish its work");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "start,event=cycles-of-doom,file=/tmp/x.html|unknown event 'cycles-of-doom'",
            "start,interval=fast,file=/tmp/x.html|bad interval 'fast'",
            "start,file=/proc/jperf-cannot-write-here.collapsed|cannot write the profile to"
                    + " /proc/jperf-cannot-write-here.collapsed: /proc takes no new files; choose another file=",
            "dump|no profile is running"})
    void badProfilingRequestsSayOneLineAndTheApplicationRuns(String options, String expected) throws Exception {
        try (Target t = Target.with(JDK).agent(options).start("hotloop", 1)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)));
            List<String> lines = jperfLines(t.stderr());
            assertEquals(1, lines.size(), "expected one jperf line, got: " + t.stderr());
            assertTrue(lines.get(0).startsWith("jperf: " + expected), lines.get(0)); // at start, not at exit
            assertTrue(t.stdout().contains("hot-loop: "), "the application did not finish its work");
        }
    }

    @Test
    void corruptDataFilesGiveAClearErrorAndNoStackTrace() throws Exception {
        Path dir = Files.createTempDirectory("jperf-corrupt-");
        try {
            Path good = dir.resolve("good.data");
            try (Target t = Target.with(JDK).agent("start,interval=1ms,file=" + good).start("hotloop", 1)) {
                assertEquals(0, t.waitFor(Duration.ofSeconds(60)));
            }
            byte[] bytes = Files.readAllBytes(good);
            Path truncated = Files.write(dir.resolve("truncated.data"),
                    java.util.Arrays.copyOf(bytes, bytes.length / 2));
            byte[] flipped = bytes.clone();
            flipped[flipped.length / 2] ^= 0x55;
            Path corrupt = Files.write(dir.resolve("corrupt.data"), flipped);
            Path other = Files.writeString(dir.resolve("other.data"), "not a profile at all");
            for (Path p : List.of(truncated, corrupt, other, dir.resolve("missing.data"), dir)) {
                for (String verb : List.of("report", "script", "flamegraph")) {
                    Proc.Result r = Proc.jperf(JDK, verb, "-i", p.toString());
                    assertEquals(1, r.exit(), verb + " " + p + ": " + r.err());
                    List<String> lines = r.err().lines().collect(java.util.stream.Collectors.toList());
                    assertEquals(1, lines.size(), r.err());
                    assertTrue(lines.get(0).startsWith("jperf: "), lines.get(0));
                    assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), r.err());
                }
            }
            assertEquals(0, Proc.jperf(JDK, "report", "-i", good.toString()).exit());
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    @Test
    void unwritableJitdumpDirectorySaysOneLine() throws Exception {
        try (Target t = Target.with(JDK).agent("jitdump,jitdumpdir=/proc").start("hotloop", 1)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)));
            List<String> lines = jperfLines(t.stderr());
            assertEquals(1, lines.size(), t.stderr());
            assertTrue(lines.get(0).startsWith("jperf: cannot write a jitdump: ")
                    && lines.get(0).contains("jitdumpdir"),
                    lines.get(0));
            assertTrue(t.stdout().contains("hot-loop: "));
        }
    }

    /** A link planted where the map goes is neither followed nor replaced, and the file it points at is intact. */
    @Test
    void plantedSymlinkIsRefused() throws Exception {
        try (Target t = Target.with(JDK).start("idle", 30)) {
            Path map = PerfMapFile.of(t.pid());
            Path victim = Files.createTempFile("jperf-victim-", ".txt");
            Files.writeString(victim, "precious");
            Files.deleteIfExists(map);
            Files.createSymbolicLink(map, victim);
            try {
                Proc.Result r = Proc.jperf(JDK, "perfmap", "-p", Long.toString(t.pid()));
                assertNotEquals(0, r.exit(), r.out());
                Thread.sleep(500);
                List<String> lines = jperfLines(t.stderr());
                assertEquals(1, lines.size(), t.stderr());
                assertTrue(lines.get(0).contains("is a symbolic link") && lines.get(0).contains("rm " + map),
                        lines.get(0));
                assertEquals("precious", Files.readString(victim));
                assertTrue(Files.isSymbolicLink(map), "the planted link was replaced");
                assertTrue(t.isAlive());
            } finally {
                Files.deleteIfExists(map);
                Files.deleteIfExists(victim);
            }
        }
    }

    /** /tmp read-only for the target (a private mount namespace): one line, the application finishes. */
    @Test
    void readOnlyTmpSaysOneLine() throws Exception {
        assumeTrue(Proc.isRoot(), "needs root for a private mount namespace");
        assumeTrue(!Target.SAMPLES_JAR.toAbsolutePath().startsWith("/tmp")
                && !Target.JPERF_JAR.toAbsolutePath().startsWith("/tmp"), "the jars are under /tmp, which this hides");
        Proc.Result probe = Proc.run(Duration.ofSeconds(20), "unshare", "--mount", "true");
        assumeTrue(probe.exit() == 0, "unshare --mount is not available: " + probe.err());
        try (Target t = Target.with(JDK).under("unshare", "--mount", "sh", "-c",
                "mount -t tmpfs -o ro tmpfs /tmp && exec \"$0\" \"$@\"").agent("perfmap").start("hotloop", 2)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)), t.stderr());
            List<String> lines = jperfLines(t.stderr());
            assertEquals(1, lines.size(), t.stderr());
            assertTrue(lines.get(0).startsWith("jperf: cannot write Java symbols to /tmp/perf-")
                    && lines.get(0).contains("Read-only file system"), lines.get(0));
            assertTrue(t.stdout().contains("hot-loop: "));
        }
    }

    static List<String> jperfLines(String stderr) {
        return stderr.lines().filter(l -> l.startsWith("jperf:")).collect(Collectors.toList());
    }
}

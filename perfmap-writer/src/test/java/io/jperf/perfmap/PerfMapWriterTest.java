package io.jperf.perfmap;

import io.jperf.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerfMapWriterTest {
    @TempDir
    Path dir;

    private static String render(NameStyle style) throws Exception {
        StringWriter out = new StringWriter();
        new PerfMapWriter(Path.of("unused"), style, m -> { }).writeTo(Fixtures.snapshot(), out);
        return out.toString();
    }

    @Test
    void defaultNames() throws Exception {
        Golden.assertMatches("perfmap-default.map", render(NameStyle.DEFAULT));
    }

    @Test
    void unfoldedWithLinesAndKinds() throws Exception {
        Golden.assertMatches("perfmap-unfold-lines-ann.map", render(new NameStyle(false, false, true, true, true)));
    }

    @Test
    void dottedWithSignatures() throws Exception {
        Golden.assertMatches("perfmap-dot-sig.map", render(new NameStyle(true, true, false, false, false)));
    }

    @Test
    void unfoldedRangesTileTheMethodExactly() throws Exception {
        long covered = 0;
        for (String line : render(new NameStyle(false, false, true, false, false)).split("\n")) {
            String[] f = line.split(" ", 3);
            long start = Long.parseLong(f[0], 16);
            if (start >= Fixtures.LOOP_CODE.start && start < Fixtures.LOOP_CODE.end()) {
                assertEquals(Fixtures.LOOP_CODE.start + covered, start, "gap or overlap at " + line);
                covered += Long.parseLong(f[1], 16);
            }
        }
        assertEquals(Fixtures.LOOP_CODE.size, covered);
    }

    @Test
    void writesAtomicallyOnTickAndAgainOnlyAfterAChange() throws Exception {
        Path map = dir.resolve("perf-1.map");
        List<String> problems = new ArrayList<>();
        PerfMapWriter w = new PerfMapWriter(map, NameStyle.DEFAULT, problems::add);
        var snapshot = Fixtures.snapshot();
        w.tick(snapshot, 1_000_000_000L);
        assertEquals(render(NameStyle.DEFAULT), Files.readString(map));
        w.tick(snapshot, 5_000_000_000L);
        assertEquals(1, w.writes());
        w.close(Fixtures.snapshot());
        assertEquals(2, w.writes());
        assertEquals(List.of(), problems);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(map), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void aPlantedLinkIsReportedOnceAndLeftAlone() throws Exception {
        // Planted in a directory everyone writes to, as /tmp, where the map lives.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "precious");
        Path map = dir.resolve("perf-2.map");
        Files.createSymbolicLink(map, victim);
        List<String> problems = new ArrayList<>();
        PerfMapWriter w = new PerfMapWriter(map, NameStyle.DEFAULT, problems::add);
        w.tick(Fixtures.snapshot(), 1_000_000_000L);
        w.tick(Fixtures.snapshot(), 100_000_000_000L);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("is a symbolic link"), problems.get(0));
        assertEquals("precious", Files.readString(victim));
        assertTrue(Files.isSymbolicLink(map));
    }
}

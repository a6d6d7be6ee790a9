package io.jperf.output;

import io.jperf.profile.DataFile;
import io.jperf.profile.Profile;
import io.jperf.testing.Golden;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputFormatTest {
    static String render(OutputFormat format, Profile profile, boolean threads) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        format.write(profile, ProfileFixture.STYLE, threads, "test profile", out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void collapsedMergedAndPerThread() throws Exception {
        Golden.assertMatches("profile.collapsed", render(OutputFormat.COLLAPSED, ProfileFixture.profile(), false));
        Golden.assertMatches("profile-threads.collapsed",
                render(OutputFormat.COLLAPSED, ProfileFixture.profile(), true));
    }

    @Test
    void textReport() throws Exception {
        Golden.assertMatches("profile-report.txt", render(OutputFormat.REPORT, ProfileFixture.profile(), false));
    }

    @Test
    void script() throws Exception {
        Golden.assertMatches("profile.script", render(OutputFormat.SCRIPT, ProfileFixture.profile(), false));
    }

    @Test
    void flameGraphEmbedsTheTreeSafely() throws Exception {
        String html = render(OutputFormat.FLAMEGRAPH, ProfileFixture.profile(), true);
        int start = html.indexOf("const D = ") + "const D = ".length();
        int end = html.indexOf(";\n", start);
        Golden.assertMatches("profile-flamegraph.json", html.substring(start, end) + "\n");
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("</html>"));
        assertTrue(!html.substring(start, end).contains("</"), "data must not close the script element");
    }

    /** report, script and flame graph read from a data file give what the live profile gives. */
    @Test
    void aDataFileGivesTheSameOutputsAsTheLiveProfile() throws Exception {
        Profile live = ProfileFixture.profile();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        DataFile.write(live, ProfileFixture.STYLE, data);
        Profile read = DataFile.read(data.toByteArray());
        for (OutputFormat f : new OutputFormat[] {OutputFormat.COLLAPSED, OutputFormat.REPORT, OutputFormat.SCRIPT,
                OutputFormat.FLAMEGRAPH}) {
            for (boolean threads : new boolean[] {false, true}) {
                assertEquals(render(f, live, threads), render(f, read, threads), f + " threads=" + threads);
            }
        }
        assertEquals(live.info(), read.info());
    }

    @Test
    void formatsByFileNameAndName() {
        assertEquals(OutputFormat.FLAMEGRAPH, OutputFormat.ofFile("x.html"));
        assertEquals(OutputFormat.COLLAPSED, OutputFormat.ofFile("x.collapsed"));
        assertEquals(OutputFormat.COLLAPSED, OutputFormat.ofFile("x.folded"));
        assertEquals(OutputFormat.REPORT, OutputFormat.ofFile("x.txt"));
        assertEquals(OutputFormat.DATA, OutputFormat.ofFile("jperf.data"));
        assertEquals(OutputFormat.COLLAPSED, OutputFormat.ofFile("profile"));
        assertEquals(OutputFormat.FLAMEGRAPH, OutputFormat.named("html"));
        assertEquals(null, OutputFormat.named("pdf"));
    }
}

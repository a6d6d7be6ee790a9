package io.jperf.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTML flame graph in a real headless Chromium: it loads without errors and its search finds known frames. */
class FlameGraphBrowserIT {
    private static final Pattern MATCHED = Pattern.compile("<span id=\"matched\" data-percent=\"([0-9.]+)\">");

    @BeforeAll
    static void browserInstalled() {
        Chromium.assumeInstalled();
    }

    @Test
    void opensWithoutErrorsAndSearchFindsKnownFrames() throws Exception {
        Path dir = Files.createTempDirectory("jperf-html-");
        Path html = dir.resolve("mixed.html");
        try (Target t = Target.with(Jdks.current()).jvm("-XX:+PreserveFramePointer", "-Dsamples.delay=0.5")
                .agent("start,interval=1ms,file=" + html).start("mixed", 2)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)), t.stderr());
            String page = Files.readString(html);
            assertTrue(page.contains("<canvas"), "not the flame graph page");

            double mix = matched(html, "Workloads\\.mix");
            double all = matched(html, ".");
            double none = matched(html, "no-such-frame-anywhere");
            System.out.printf("search in Chromium: Workloads.mix %.2f%%, '.' %.2f%%, nothing %.2f%%%n", mix, all, none);
            assertTrue(mix > 5 && mix < 60, "the inlined helper of the hot loop: " + mix);
            assertEquals(100.0, all, 0.01, "every sample has a frame matching '.'");
            assertEquals(0.0, none, 0.0);
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /** The matched share the page shows after searching for {@code regex} on load. */
    private static double matched(Path html, String regex) throws Exception {
        Chromium.Page page = Chromium.load(html.toUri() + "#search=" + java.net.URLEncoder.encode(regex, "UTF-8"));
        assertEquals(List.of(), page.console(), "console messages");
        assertTrue(page.dom().contains("<span id=\"errors\"></span>"), "the page reported errors");
        Matcher m = MATCHED.matcher(page.dom());
        assertTrue(m.find(), "no search result in the page");
        return Double.parseDouble(m.group(1));
    }
}

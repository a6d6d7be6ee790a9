package io.jperf.it;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Debian's headless Chromium, as the browser tests drive it. */
final class Chromium {
    private static final Path BINARY = Path.of("/usr/bin/chromium");

    private Chromium() {
    }

    static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "chromium is not installed (Debian: apt-get install chromium)");
    }

    /** What the page became after its scripts ran, and what the browser said on the console. */
    record Page(String dom, List<String> console) {
    }

    /** Loads a URL headless, lets its scripts run, and returns the resulting DOM with the console messages. */
    static Page load(String url) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("jperf-chromium-");
        try {
            Proc.Result r = Proc.run(Duration.ofSeconds(120), BINARY.toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                    "--enable-logging=stderr", "--v=0", "--dump-dom", url);
            List<String> console = r.err().lines().filter(l -> l.contains(":CONSOLE")).collect(Collectors.toList());
            return new Page(r.out(), console);
        } finally {
            JitDumpIT.delete(profile);
        }
    }
}

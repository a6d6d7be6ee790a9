package io.jperf.it;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real Linux perf, driven from tests. */
public final class Perf {
    private static final Pattern HEADER = Pattern.compile("^(.*?)\\s+(\\d+)\\s*$");
    private static final Pattern FRAME = Pattern.compile("^\\s*([0-9a-f]+)\\s+(.*?)\\s+\\(([^()]*)\\)\\s*$");

    private Perf() {
    }

    /** Skips the calling test class when perf is missing, saying how to install it. */
    public static void assumeInstalled() {
        boolean installed;
        try {
            installed = Proc.run(Duration.ofSeconds(20), "perf", "--version").exit() == 0;
        } catch (IOException | InterruptedException e) {
            installed = false;
        }
        Assumptions.assumeTrue(installed, "perf is not installed (Debian: apt-get install linux-perf)");
    }

    /** {@code perf record -g ARGS -p PID -o OUT -- sleep SECONDS}. */
    public static void record(long pid, double seconds, Path out, String... args)
            throws IOException, InterruptedException {
        Proc.run(Duration.ofSeconds((long) seconds + 60), recordCommand(pid, seconds, out, args)).assertOk();
    }

    /** The same, in the background: for recording across an attach. */
    public static Process startRecording(long pid, double seconds, Path out, String... args) throws IOException {
        return new ProcessBuilder(recordCommand(pid, seconds, out, args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static List<String> recordCommand(long pid, double seconds, Path out, String... args) {
        List<String> cmd = new ArrayList<>(List.of("perf", "record", "-q", "-g"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-p", Long.toString(pid), "-o", out.toString(), "--", "sleep", Double.toString(seconds)));
        return cmd;
    }

    /** One sample of {@code perf script}: thread and frames, leaf first. */
    public record Sample(String comm, int tid, List<Frame> frames) {
        public Frame leaf() {
            return frames.isEmpty() ? null : frames.get(0);
        }
    }

    /** One frame: address, symbol (perf's "[unknown]" when it has none) and the file perf took it from. */
    public record Frame(long ip, String symbol, String dso) {
        public boolean fromPerfMap() {
            return dso.matches("/tmp/perf-\\d+\\.map");
        }
    }

    public static List<Sample> script(Path data, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("perf", "script", "-i", data.toString(), "-F",
                "comm,tid,ip,sym,dso"));
        cmd.addAll(List.of(args));
        return parse(Proc.run(Duration.ofSeconds(120), cmd).assertOk().out());
    }

    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        String comm = null;
        int tid = 0;
        List<Frame> frames = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                if (frames != null) {
                    samples.add(new Sample(comm, tid, frames));
                }
                Matcher h = HEADER.matcher(line);
                if (!h.matches()) {
                    throw new AssertionError("unexpected perf script line: " + line);
                }
                comm = h.group(1).trim();
                tid = Integer.parseInt(h.group(2));
                frames = new ArrayList<>();
                continue;
            }
            Matcher f = FRAME.matcher(line);
            if (f.matches() && frames != null) {
                frames.add(new Frame(Long.parseUnsignedLong(f.group(1), 16), symbolOf(f.group(2)), f.group(3)));
            }
        }
        if (frames != null) {
            samples.add(new Sample(comm, tid, frames));
        }
        return samples;
    }

    /** perf appends {@code +0xOFFSET} to symbols; tests compare names. */
    private static String symbolOf(String s) {
        int plus = s.lastIndexOf("+0x");
        return plus > 0 ? s.substring(0, plus) : s;
    }
}

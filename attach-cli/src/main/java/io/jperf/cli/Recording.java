package io.jperf.cli;

import io.jperf.agent.AgentOptions;
import io.jperf.attach.Attacher;
import io.jperf.attach.ControlClient;
import io.jperf.perf.EventCatalog;
import io.jperf.perf.EventSpec;
import io.jperf.perf.TraceFs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What record, stat and trace share: attach to a running JVM, start, wait for the duration or Ctrl-C (with a live
 * line on a terminal), stop and take the result over the socket; or start {@code java ...} with the agent and let
 * the JVM write the result when it exits. Without an output file the result goes to standard output.
 */
final class Recording {
    private static final Pattern STATUS = Pattern.compile("(\\d+) (samples|events), (\\d+) lost");

    private final String verb;
    private final String startOptions;
    private final String format;
    private final Path output;

    /**
     * @param startOptions agent options after "start" (what to measure)
     * @param output the result file, or null for standard output
     */
    Recording(String verb, String startOptions, String format, Path output) {
        this.verb = verb;
        this.startOptions = startOptions.replaceAll(",+$", "").replaceAll(",,+", ",");
        this.format = format;
        this.output = output;
    }

    /** Attach, start, wait, stop; returns the exit status. */
    int running(long pid, Double seconds) throws Exception {
        if (output != null) {
            Control.checkWritable(output);
        }
        ControlClient client = ControlClient.connect(pid);
        Control.send(client, "start," + startOptions);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        Thread onInterrupt = new Thread(() -> {
            if (stopped.compareAndSet(false, true)) {
                finish(client);
            }
            done.countDown();
        }, "jperf-" + verb + "-stop");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        boolean live = System.console() != null;
        long start = System.nanoTime();
        long until = seconds == null ? Long.MAX_VALUE : start + (long) (seconds * 1e9);
        while (System.nanoTime() < until && !stopped.get()) {
            long left = Math.min(1_000_000_000L, until - System.nanoTime());
            if (done.await(Math.max(1, left), TimeUnit.NANOSECONDS)) {
                break;
            }
            if (live && !stopped.get()) {
                progress(client, start);
            }
        }
        if (live) {
            System.err.print("\r\033[K");
        }
        if (stopped.compareAndSet(false, true)) {
            Runtime.getRuntime().removeShutdownHook(onInterrupt);
            return finish(client) ? 0 : 1;
        }
        done.await();
        return 0;
    }

    private void progress(ControlClient client, long start) {
        try {
            Matcher m = STATUS.matcher(client.send("status").text());
            System.err.printf("\r[ jperf %s: %d s%s ]\033[K", verb, (System.nanoTime() - start) / 1_000_000_000L,
                    m.find() ? ", " + m.group(1) + " " + m.group(2) + ", " + m.group(3) + " lost" : "");
        } catch (Attacher.AttachException e) {
            // The next line or the stop says what went wrong.
        }
    }

    private boolean finish(ControlClient client) {
        try {
            String status = client.send("status").text();
            byte[] bytes = Control.send(client, "stop,send,format=" + format).payload();
            if (output == null) {
                System.out.write(bytes);
                System.out.flush();
                return true;
            }
            Control.write(output, out -> out.write(bytes));
            Matcher m = STATUS.matcher(status);
            System.err.println("[ jperf " + verb + ": wrote " + output + (m.find() ? ": " + m.group(1) + " "
                    + m.group(2) + ", " + m.group(3) + " lost" : "") + " ]");
            return true;
        } catch (Exception e) {
            System.err.println("jperf: " + (e.getMessage() == null ? e : e.getMessage()));
            return false;
        }
    }

    /** Starts the command with the agent in it; the JVM writes the result when it exits. Returns its exit status. */
    int newJvm(List<String> command) throws Exception {
        preflight();
        Path file = output != null ? output.toAbsolutePath() : Files.createTempFile("jperf-" + verb + "-", ".txt");
        java.nio.file.attribute.FileTime before = modified(file);
        List<String> cmd = new ArrayList<>();
        cmd.add(command.get(0));
        cmd.add("-javaagent:" + Attacher.agentJar().getAbsolutePath() + "=start," + startOptions + ",format="
                + format + ",file=" + file);
        cmd.addAll(command.subList(1, command.size()));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        // Ctrl-C reaches the JVM too; wait for it to write the result.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jperf-" + verb + "-wait"));
        int status = p.waitFor();
        if (output == null) {
            printAndDelete(file);
        } else {
            // A device or pipe (/dev/null, /dev/stdout) keeps no time of writing: the agent said if it failed.
            boolean regular = Files.isRegularFile(output);
            boolean written = regular && !modified(output).equals(before);
            System.err.println("[ jperf " + verb + ": " + output + (regular ? written ? " written" : " not written"
                    : " sent") + "; " + command.get(0) + " exited with " + status + " ]");
        }
        return status;
    }

    /**
     * Checks the options and opens each named event here a moment, so that a JVM is not started for nothing: a bad
     * option or a missing event (no PMU, no kprobes, no tracefs) ends the command before it runs anything.
     */
    private void preflight() throws Exception {
        AgentOptions options = AgentOptions.parse("start," + startOptions);
        for (String name : options.all("event")) {
            if (options.has("stat") && name.startsWith("syscalls:sys_enter_") && name.contains("*")) {
                TraceFs.find();
                continue;
            }
            for (EventSpec e : EventSpec.parseAll(name)) {
                EventCatalog.check(e);
            }
        }
        if (options.has("trace")) {
            TraceFs.find();
        }
        if (output != null) {
            Control.checkWritable(output);
        }
    }

    /** When the file was last written (epoch 0 if it does not exist): an older file left there is not a result. */
    private static java.nio.file.attribute.FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    private static void printAndDelete(Path file) throws IOException {
        try {
            if (Files.size(file) > 0) {
                System.out.write(Files.readAllBytes(file));
                System.out.flush();
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

package io.jperf.cli;

import io.jperf.attach.Attacher;
import io.jperf.attach.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jperf record: profile a running JVM for a while ({@code -p PID}), or a JVM started for it ({@code -- java ...}),
 * into one file, like perf record.
 */
@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Profile a running JVM (-p PID, for -d seconds or until Ctrl-C) or a new one (-- java ARGS),",
                "into -o FILE (default jperf.data; .html, .collapsed, .txt, .data)."})
final class RecordCommand implements Callable<Integer> {
    private static final Pattern STATUS = Pattern.compile("(\\d+) samples, (\\d+) lost");

    @Option(names = "-p", paramLabel = "PID", description = "the JVM's process id")
    Long pid;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", description = "how long (default: until Ctrl-C)")
    Double seconds;

    @Option(names = "-o", paramLabel = "FILE", defaultValue = "jperf.data", description = "output file")
    Path output;

    @Mixin
    ProfileOptions profile;

    @Parameters(paramLabel = "COMMAND", description = "java and its arguments, after --")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (pid == null == command.isEmpty()) {
            throw new Attacher.AttachException("give either -p PID or -- java ARGS...");
        }
        return pid != null ? recordRunning() : recordNew();
    }

    /** Attach, start, wait, stop: the profile comes back over the control socket. Ctrl-C ends early and still writes. */
    private int recordRunning() throws Exception {
        ControlClient client = ControlClient.connect(pid);
        String format = Control.formatOf(output);
        Control.send(client, ("start," + profile.agentOptions(format)).replaceAll(",$", ""));
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        Thread onInterrupt = new Thread(() -> {
            if (stopped.compareAndSet(false, true)) {
                finish(client, format);
            }
            done.countDown();
        }, "jperf-record-stop");
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
            return finish(client, format) ? 0 : 1;
        }
        done.await();
        return 0;
    }

    private static void progress(ControlClient client, long start) {
        try {
            Matcher m = STATUS.matcher(client.send("status").text());
            if (m.find()) {
                System.err.printf("\r[ jperf record: %d s, %s samples, %s lost ]\033[K",
                        (System.nanoTime() - start) / 1_000_000_000L, m.group(1), m.group(2));
            }
        } catch (Attacher.AttachException e) {
            // The next line or the stop says what went wrong.
        }
    }

    private boolean finish(ControlClient client, String format) {
        try {
            String status = client.send("status").text();
            byte[] bytes = Control.send(client, "stop,send,format=" + format).payload();
            Control.write(output, bytes);
            Matcher m = STATUS.matcher(status);
            System.err.println("[ jperf record: wrote " + output + (m.find() ? ": " + m.group(1) + " samples, "
                    + m.group(2) + " lost" : "") + " ]");
            return true;
        } catch (Exception e) {
            System.err.println("jperf: " + (e.getMessage() == null ? e : e.getMessage()));
            return false;
        }
    }

    /** Starts the command with the agent in it; the JVM writes -o when it exits. Returns its exit status. */
    private int recordNew() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(command.get(0));
        String options = "start," + profile.agentOptions(null);
        options = options.replaceAll(",$", "") + ",file=" + output.toAbsolutePath();
        cmd.add("-javaagent:" + Attacher.agentJar().getAbsolutePath() + "=" + options);
        cmd.addAll(command.subList(1, command.size()));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        // Ctrl-C reaches the JVM too; wait for it to write the profile.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jperf-record-wait"));
        int status = p.waitFor();
        System.err.println("[ jperf record: " + output + (java.nio.file.Files.exists(output) ? " written" : " not written")
                + "; " + command.get(0) + " exited with " + status + " ]");
        return status;
    }
}

package io.jperf.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion, capturing its output. */
public final class Proc {
    private Proc() {
    }

    /** Exit status and output of a finished command. */
    public record Result(int exit, String out, String err) {
        public Result assertOk() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err);
            }
            return this;
        }
    }

    public static Result run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("jperf-proc-", ".out");
        Path err = Files.createTempFile("jperf-proc-", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + timeout + "\nstderr:\n"
                        + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    public static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, List.of(command));
    }

    public static boolean isRoot() throws IOException, InterruptedException {
        return "0".equals(run(Duration.ofSeconds(10), "id", "-u").out().trim());
    }

    /** The jperf command, as {@code java -jar jperf.jar ARGS}, on a JDK. */
    public static Result jperf(Jdks.Jdk jdk, String... args) throws IOException, InterruptedException {
        return jperfAs(null, jdk, args);
    }

    /** The jperf command run as another user (through runuser, so the caller must be root), or as this one. */
    public static Result jperfAs(String user, Jdks.Jdk jdk, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        if (user != null) {
            cmd.addAll(List.of("runuser", "-u", user, "--"));
        }
        cmd.addAll(List.of(jdk.java().toString(), "-jar", Target.JPERF_JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        return run(Duration.ofSeconds(120), cmd);
    }
}

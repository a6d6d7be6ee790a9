package io.jperf.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A sample workload in a JVM of its own, the process jperf profiles. Output goes to files, read on demand. */
public final class Target implements AutoCloseable {
    public static final Path JPERF_JAR = Path.of(System.getProperty("jperf.jar", "target/jperf.jar"));
    public static final Path SAMPLES_JAR = Path.of(System.getProperty("jperf.samples",
            "../samples/target/jperf-samples.jar"));
    private static final Pattern RUNNING = Pattern.compile("samples: \\S+ running in (\\d+)");

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private final long pid;

    private Target(Process process, Path stdout, Path stderr) throws IOException, InterruptedException {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        Matcher m = awaitOutput(RUNNING, Duration.ofSeconds(30));
        this.pid = Long.parseLong(m.group(1));
    }

    /** Describes a target before it starts. */
    public static final class Builder {
        private final Jdks.Jdk jdk;
        private final List<String> jvmArgs = new ArrayList<>();
        private String agentOptions;
        private String classPath;
        private final List<String> prefix = new ArrayList<>();

        Builder(Jdks.Jdk jdk) {
            this.jdk = jdk;
        }

        public Builder jvm(String... args) {
            jvmArgs.addAll(List.of(args));
            return this;
        }

        /** Loads jperf at start-up with these options. */
        public Builder agent(String options) {
            this.agentOptions = options;
            return this;
        }

        /** Runs the samples from this class path instead of {@code -jar}. */
        public Builder classPath(String cp) {
            this.classPath = cp;
            return this;
        }

        /** Runs java under another command, e.g. unshare. */
        public Builder under(String... command) {
            prefix.addAll(List.of(command));
            return this;
        }

        public Target start(String workload, double seconds, String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(prefix);
            cmd.add(jdk.java().toString());
            if (agentOptions != null) {
                cmd.add("-javaagent:" + JPERF_JAR.toAbsolutePath() + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
            }
            cmd.addAll(jvmArgs);
            if (classPath != null) {
                cmd.add("-cp");
                cmd.add(classPath);
                cmd.add("io.jperf.samples.Main");
            } else {
                cmd.add("-jar");
                cmd.add(SAMPLES_JAR.toAbsolutePath().toString());
            }
            cmd.add(workload);
            cmd.add(Double.toString(seconds));
            cmd.addAll(List.of(args));
            Path out = Files.createTempFile("jperf-target-", ".out");
            Path err = Files.createTempFile("jperf-target-", ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new Target(p, out, err);
        }
    }

    public static Builder with(Jdks.Jdk jdk) {
        return new Builder(jdk);
    }

    public long pid() {
        return pid;
    }

    public String stdout() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    public String stderr() throws IOException {
        return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /** Waits until stdout has a line matching the pattern. */
    public Matcher awaitOutput(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(stdout());
            if (m.find()) {
                return m;
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("target never printed /" + pattern + "/; alive=" + process.isAlive()
                        + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
            }
            Thread.sleep(50);
        }
    }

    public Matcher awaitOutput(String regex) throws IOException, InterruptedException {
        return awaitOutput(Pattern.compile(regex), Duration.ofSeconds(120));
    }

    /** Waits for the workload to end; returns the exit status. */
    public int waitFor(Duration timeout) throws InterruptedException, IOException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("target did not exit within " + timeout + "\nstderr:\n" + stderr());
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
    }
}

package io.jperf.attach;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A JVM of this machine as /proc shows it: who runs it, what it runs, where its jperf control socket is. */
public final class TargetJvm {
    public final long pid;
    private final List<String> status;

    private TargetJvm(long pid, List<String> status) {
        this.pid = pid;
        this.status = status;
    }

    /** The JVM with this pid; fails with one jperf line when there is none or it is not a JVM. */
    public static TargetJvm of(long pid) throws Attacher.AttachException {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            throw new Attacher.AttachException("no process with PID " + pid);
        }
        Path proc = Path.of("/proc", Long.toString(pid));
        List<String> status;
        try {
            status = Files.readAllLines(proc.resolve("status"));
            if (!isJvm(pid)) {
                String command = process.get().info().command().orElse("?");
                throw new Attacher.AttachException("process " + pid + " (" + command
                        + ") is not a Java virtual machine");
            }
        } catch (java.nio.file.AccessDeniedException e) {
            throw new Attacher.AttachException("cannot inspect process " + pid + " (permission denied on "
                    + e.getFile() + "); run jperf as the JVM's user or as root");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new Attacher.AttachException("cannot inspect process " + pid + " (" + e + ")");
        }
        return new TargetJvm(pid, status);
    }

    /** Whether a process has libjvm mapped. */
    static boolean isJvm(long pid) throws IOException {
        try (var lines = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
            return lines.anyMatch(l -> l.endsWith("/libjvm.so"));
        }
    }

    private String statusField(String name) {
        for (String line : status) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    /** The real uid the JVM runs as. */
    public long uid() {
        return Long.parseLong(statusField("Uid").split("\\s+")[0]);
    }

    /** The pid as the JVM sees itself: different when it runs in a PID namespace (a container). */
    public long namespacePid() {
        String ns = statusField("NSpid");
        if (ns == null) {
            return pid;
        }
        String[] ids = ns.split("\\s+");
        return Long.parseLong(ids[ids.length - 1]);
    }

    public boolean inOtherPidNamespace() {
        return namespacePid() != pid;
    }

    /** Its command line, split. */
    public List<String> commandLine() {
        try {
            String raw = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
            List<String> args = new ArrayList<>(List.of(raw.split("\0")));
            args.removeIf(String::isEmpty);
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** {@code -jar app.jar} or the main class; "?" when the command line does not tell. */
    public String mainClassOrJar() {
        List<String> args = commandLine();
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-jar") && i + 1 < args.size()) {
                return args.get(i + 1);
            }
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path") || a.equals("-p")
                    || a.equals("--module-path") || a.equals("--add-opens") || a.equals("--add-exports")) {
                i++;
            } else if (a.equals("-m") || a.equals("--module")) {
                return i + 1 < args.size() ? args.get(i + 1) : "?";
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return "?";
    }

    /** JAVA_VERSION from the release file of the JVM's home, or "?". */
    public String javaVersion() {
        try {
            Path exe = Path.of("/proc", Long.toString(pid), "exe").toRealPath();
            Path release = exe.getParent().getParent().resolve("release");
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    return line.substring(13).replace("\"", "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not a standard JDK layout.
        }
        return "?";
    }

    /** The control socket the jperf agent opens in this JVM ({@code java.io.tmpdir/jperf-UID/PID.sock}). */
    public Path controlSocket() {
        String tmp = "/tmp";
        for (String a : commandLine()) {
            if (a.startsWith("-Djava.io.tmpdir=")) {
                tmp = a.substring("-Djava.io.tmpdir=".length());
            }
        }
        return Path.of("/proc", Long.toString(pid), "root").resolve(tmp.substring(1))
                .resolve("jperf-" + uid()).resolve(namespacePid() + ".sock");
    }
}

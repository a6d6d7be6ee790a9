package io.jperf.attach;

import net.bytebuddy.agent.ByteBuddyAgent;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Loads jperf.jar as an agent into a running JVM of this machine. */
public final class Attacher {
    private Attacher() {
    }

    /** A failure to attach; the message is one jperf line with the fix. */
    public static final class AttachException extends Exception {
        private static final long serialVersionUID = 1L;

        public AttachException(String message) {
            super(message);
        }
    }

    /** The jar this code runs from: jperf.jar, which is also the agent. */
    public static File agentJar() throws AttachException {
        try {
            File jar = new File(Attacher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.isFile()) {
                throw new AttachException("cannot find jperf.jar (running from " + jar + "); run jperf from its jar");
            }
            return jar;
        } catch (URISyntaxException e) {
            throw new AttachException("cannot find jperf.jar: " + e.getMessage());
        }
    }

    /** Loads the agent into {@code pid} with the given option string. */
    public static void attach(long pid, String options) throws AttachException {
        checkJvm(pid);
        File jar = agentJar();
        try {
            ByteBuddyAgent.attach(jar, Long.toString(pid), options);
        } catch (RuntimeException e) {
            throw new AttachException("cannot attach to JVM " + pid + ": " + rootMessage(e)
                    + "; the JVM must run as this user (or run jperf as root) and must not be started with "
                    + "-XX:+DisableAttachMechanism");
        }
    }

    /** A live process whose memory maps include libjvm. */
    static void checkJvm(long pid) throws AttachException {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            throw new AttachException("no process with PID " + pid);
        }
        Path maps = Path.of("/proc", Long.toString(pid), "maps");
        try {
            if (Files.lines(maps).noneMatch(l -> l.endsWith("/libjvm.so"))) {
                String command = process.get().info().command().orElse("?");
                throw new AttachException("process " + pid + " (" + command + ") is not a Java virtual machine");
            }
        } catch (java.nio.file.AccessDeniedException e) {
            throw new AttachException("cannot inspect process " + pid + " (permission denied on " + maps
                    + "); run jperf as the JVM's user or as root");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new AttachException("cannot inspect process " + pid + " (" + e + ")");
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}

package io.jperf.attach;

import net.bytebuddy.agent.ByteBuddyAgent;

import java.io.File;
import java.net.URISyntaxException;

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

    /** Loads the agent into a JVM with the given option string. */
    public static void attach(TargetJvm target, String options) throws AttachException {
        long me = ProcessHandle.current().info().user().map(u -> u.equals("root") ? 0L : -1L).orElse(-1L);
        File jar = agentJar();
        try {
            ByteBuddyAgent.attach(jar, Long.toString(target.pid), options);
        } catch (RuntimeException e) {
            String root = rootMessage(e);
            String why;
            if (root.contains("does not support the attach mechanism") || root.contains("DisableAttachMechanism")) {
                why = "the JVM was started with -XX:+DisableAttachMechanism: jperf can only be given at start-up"
                        + " (-javaagent:jperf.jar=...)";
            } else if (me != 0) {
                why = root + "; the JVM must run as this user (uid " + target.uid() + "), or run jperf as root";
            } else {
                why = root + (target.inOtherPidNamespace() ? "; the JVM runs in another PID namespace (pid "
                        + target.namespacePid() + " there): jperf attaches to containers as root on the host" : "");
            }
            throw new AttachException("cannot attach to JVM " + target.pid + ": " + why);
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

package io.jperf.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The only jperf classes on the application's class path (with {@link NestedJarLoader}). Everything else, jperf's own
 * code and its JNA, lives in a jar nested inside jperf.jar and is loaded by an isolated class loader whose parent is
 * the platform loader, so an application that ships its own JNA keeps it, and jperf keeps its own.
 *
 * <p>Entry points: {@code premain} (-javaagent), {@code agentmain} (attach), {@code main} (the jperf command). The
 * isolated loader is created once per JVM and reused by later attaches.
 */
public final class Bootstrap {
    private static final String CORE = "META-INF/jperf/core.jar";
    private static ClassLoader isolated;

    private Bootstrap() {
    }

    public static void premain(String args, Instrumentation inst) {
        enterAgent("premain", args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        enterAgent("agentmain", args, inst);
    }

    public static void main(String[] args) {
        try {
            loader().loadClass("io.jperf.cli.Main").getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (Throwable t) {
            System.err.println("jperf: cannot start: " + describe(t));
            System.exit(1);
        }
    }

    /** Never lets anything escape: an exception out of premain would stop the application's JVM. */
    private static void enterAgent(String method, String args, Instrumentation inst) {
        try {
            loader().loadClass("io.jperf.agent.Agent").getMethod(method, String.class, Instrumentation.class)
                    .invoke(null, args, inst);
        } catch (Throwable t) {
            System.err.println("jperf: agent not started: " + describe(t));
        }
    }

    private static String describe(Throwable t) {
        Throwable cause = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /**
     * The isolated loader over the nested jar, which jperf.jar stores uncompressed so that its classes are read from
     * the file in place: the file stays open for the loader's life.
     */
    private static synchronized ClassLoader loader() throws Exception {
        if (isolated == null) {
            URL location = Bootstrap.class.getProtectionDomain().getCodeSource().getLocation();
            RandomAccessFile file = new RandomAccessFile(Path.of(location.toURI()).toFile(), "r");
            try {
                isolated = new NestedJarLoader(new JarRegion(file, 0, file.length()).nested(CORE), location);
            } catch (IOException e) {
                file.close();
                throw new IOException(location.getPath() + ": " + e.getMessage() + "; rebuild jperf.jar", e);
            }
        }
        return isolated;
    }
}

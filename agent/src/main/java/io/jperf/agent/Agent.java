package io.jperf.agent;

import java.lang.instrument.Instrumentation;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The agent inside the target JVM, loaded by {@link Bootstrap} into the isolated loader. Entered at start-up
 * (premain) and at every attach (agentmain) with an option string. The caller's thread only parses the options: the
 * work (JNA, JVMTI, the first replay) runs on jperf's control thread, so the application's main thread never waits
 * for it. Nothing escapes to the application.
 */
public final class Agent {
    /** One daemon worker, gone when idle: control actions run one at a time, in order. */
    private static final ThreadPoolExecutor CONTROL = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "jperf-control");
                t.setDaemon(true);
                return t;
            });
    private static final long EXIT_WAIT_SECONDS = 10;
    private static volatile JitSymbols symbols;
    private static boolean exitHooked;

    private Agent() {
    }

    public static void premain(String args, Instrumentation inst) {
        accept(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        accept(args, inst);
    }

    private static synchronized void accept(String args, Instrumentation inst) {
        try {
            AgentOptions options = AgentOptions.parse(args);
            if (options.has("perfmap") || options.has("jitdump")) {
                if (!exitHooked) {
                    Runtime.getRuntime().addShutdownHook(new Thread(Agent::exit, "jperf-exit"));
                    exitHooked = true;
                }
                CONTROL.execute(() -> apply(options, inst));
            }
        } catch (AgentOptions.BadOptionException e) {
            Log.say(e.getMessage());
        } catch (Throwable t) {
            Log.say("agent failed: " + message(t));
        }
    }

    /** On the control thread. */
    private static void apply(AgentOptions options, Instrumentation inst) {
        try {
            if (symbols == null) {
                symbols = JitSymbols.start(inst, options);
            } else {
                symbols.reconfigure(options);
            }
        } catch (Throwable t) {
            Log.say(message(t));
        }
    }

    /** At JVM exit: let a start in progress finish (a short-lived JVM still gets its map), then write and close. */
    private static void exit() {
        try {
            CONTROL.shutdown();
            CONTROL.awaitTermination(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
            JitSymbols s = symbols;
            if (s != null) {
                s.exit();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            Log.say("failed at exit: " + message(t));
        }
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}

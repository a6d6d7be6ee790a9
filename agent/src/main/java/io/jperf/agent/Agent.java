package io.jperf.agent;

import io.jperf.hotspot.JavaThreads;
import io.jperf.jit.CodeCacheTracker;
import io.jperf.jvmti.JvmtiException;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The agent inside the target JVM, loaded by {@link Bootstrap} into the isolated loader. Entered at start-up
 * (premain) and at every attach (agentmain) with an option string. The caller's thread only parses the options: the
 * work (JNA, JVMTI, perf events) runs on jperf's control thread, one action at a time, so the application's main
 * thread never waits for it. Nothing escapes to the application.
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
    private static boolean exitHooked;

    // Control-thread state.
    private static Instrumentation instrumentation;
    private static CodeCacheTracker tracker;
    private static JavaThreads threads;
    private static volatile JitSymbols symbols;
    private static volatile Session session;
    private static Timer timer;

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
            if (options.isEmpty()) {
                return;
            }
            if (!exitHooked) {
                Runtime.getRuntime().addShutdownHook(new Thread(Agent::exit, "jperf-exit"));
                exitHooked = true;
            }
            CONTROL.execute(() -> apply(options, inst));
        } catch (AgentOptions.BadOptionException e) {
            Log.say(e.getMessage());
        } catch (Throwable t) {
            Log.say("agent failed: " + message(t));
        }
    }

    /** On the control thread. */
    private static void apply(AgentOptions options, Instrumentation inst) {
        instrumentation = inst;
        try {
            if (options.has("perfmap") || options.has("jitdump")) {
                if (symbols == null) {
                    symbols = JitSymbols.start(tracker(), options);
                } else {
                    symbols.reconfigure(options);
                }
            }
            if (options.has("start")) {
                start(options);
            }
            if (options.has("dump")) {
                dump(options);
            }
            if (options.has("stop")) {
                stop();
            }
            if (options.has("status")) {
                Log.say(session == null ? "no profile is running" : session.status());
            }
        } catch (Throwable t) {
            Log.say(message(t));
        }
    }

    private static void start(AgentOptions options) throws Exception {
        if (session != null) {
            Log.say("a profile is already running (" + session.status() + "); stop it first, or dump it");
            return;
        }
        session = Session.start(options, tracker(), threads());
        if (options.has("duration") || options.has("timeout")) {
            long nanos = options.seconds(options.has("duration") ? "duration" : "timeout");
            schedule(new TimerTask() {
                @Override
                public void run() {
                    CONTROL.execute(Agent::stop);
                }
            }, nanos, 0);
        }
        if (options.has("loop")) {
            long nanos = options.seconds("loop");
            schedule(new TimerTask() {
                @Override
                public void run() {
                    CONTROL.execute(Agent::rotate);
                }
            }, nanos, nanos);
        }
    }

    private static void dump(AgentOptions options) throws Exception {
        if (session == null) {
            Log.say("no profile is running: nothing to dump (start one with start)");
            return;
        }
        session.dump(options);
    }

    private static void stop() {
        Session s = session;
        if (s == null) {
            Log.say("no profile is running: nothing to stop");
            return;
        }
        session = null;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        try {
            s.stop();
        } catch (Exception e) {
            Log.say(message(e));
        }
    }

    private static void rotate() {
        Session s = session;
        if (s != null) {
            try {
                s.rotate();
            } catch (Exception e) {
                Log.say(message(e));
            }
        }
    }

    private static void schedule(TimerTask task, long delayNanos, long periodNanos) {
        if (timer == null) {
            timer = new Timer("jperf-timer", true);
        }
        long delay = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos));
        if (periodNanos > 0) {
            timer.scheduleAtFixedRate(task, delay, Math.max(1, TimeUnit.NANOSECONDS.toMillis(periodNanos)));
        } else {
            timer.schedule(task, delay);
        }
    }

    private static CodeCacheTracker tracker() throws JvmtiException {
        if (tracker == null) {
            Instrumentation inst = instrumentation;
            try {
                tracker = CodeCacheTracker.start(inst::getAllLoadedClasses, Log::say);
            } catch (JvmtiException e) {
                throw new JvmtiException("cannot follow JIT-compiled code: " + e.getMessage(), e.error());
            }
        }
        return tracker;
    }

    private static JavaThreads threads() {
        if (threads == null) {
            threads = JavaThreads.start(Log::say);
        }
        return threads;
    }

    /**
     * At JVM exit: let actions in progress finish (a short-lived JVM still gets its map and profile), stop a
     * profile (written when it has a file), then the JIT symbols (last map write, jitdump closed).
     */
    private static void exit() {
        try {
            CONTROL.shutdown();
            CONTROL.awaitTermination(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
            Session s = session;
            session = null;
            if (s != null) {
                Path written = s.stop();
                if (written == null) {
                    Log.say("profile not written: give file=PATH to write it at exit");
                }
            }
            if (tracker != null) {
                tracker.stop();
            }
            JitSymbols j = symbols;
            if (j != null) {
                j.exit();
            }
            if (threads != null) {
                threads.close();
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

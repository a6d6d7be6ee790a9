package io.jperf.agent;

import io.jperf.hotspot.CompilerDirectives;
import io.jperf.hotspot.JavaThreads;
import io.jperf.jit.CodeCacheTracker;
import io.jperf.jvmti.JvmtiException;
import io.jperf.perf.EventCatalog;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent inside the target JVM, loaded by {@link Bootstrap} into the isolated loader. Entered at start-up
 * (premain) and at every attach (agentmain) with an option string, and by the jperf command through the control
 * socket. The caller's thread only parses the options: the work (JNA, JVMTI, perf events) runs on jperf's control
 * thread, one action at a time, so the application's threads never wait for it. Nothing escapes to the
 * application.
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
    private static final long CLIENT_WAIT_SECONDS = 300;
    private static final long START_WAIT_SECONDS = 10;
    private static final Duration MAP_WAIT = Duration.ofSeconds(10);
    private static boolean exitHooked;

    // Control-thread state.
    private static Instrumentation instrumentation;
    private static boolean ownCodeDirected;
    private static String ownCodeOnC2;
    private static CodeCacheTracker tracker;
    private static JavaThreads threads;
    private static ControlServer control;
    private static boolean mbean;
    private static volatile JitSymbols symbols;
    private static volatile Session session;
    private static Timer timer;

    private Agent() {
    }

    public static void premain(String args, Instrumentation inst) {
        accept(args, inst, true);
    }

    public static void agentmain(String args, Instrumentation inst) {
        accept(args, inst, false);
    }

    /**
     * Runs the options on jperf's control thread. At start-up with {@code start}, the application's main waits for
     * the start (at most {@link #START_WAIT_SECONDS}), so that a profile, count or trace covers the whole run; other
     * actions (perfmap) never hold the application up.
     */
    private static synchronized void accept(String args, Instrumentation inst, boolean startup) {
        try {
            instrumentation = inst;
            AgentOptions options = AgentOptions.parse(args);
            if (options.isEmpty()) {
                return;
            }
            hookExit();
            Future<?> done = CONTROL.submit(() -> {
                Reply reply = apply(options);
                if (!reply.ok()) {
                    Log.say(reply.error());
                } else if (options.has("status")) {
                    Log.say(new String(reply.payload(), java.nio.charset.StandardCharsets.UTF_8));
                }
            });
            if (startup && options.has("start")) {
                try {
                    done.get(START_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    Log.say("start is taking more than " + START_WAIT_SECONDS + " s; the application goes on");
                }
            }
        } catch (AgentOptions.BadOptionException e) {
            Log.say(e.getMessage());
        } catch (Throwable t) {
            Log.say("agent failed: " + message(t));
        }
    }

    private static synchronized void hookExit() {
        if (!exitHooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(Agent::exit, "jperf-exit"));
            exitHooked = true;
        }
    }

    /**
     * A request from the control socket or the MBean: runs on the control thread; what jperf says meanwhile is
     * returned in {@code notes}.
     */
    static Reply request(String text, List<String> notes) {
        AgentOptions options;
        try {
            options = AgentOptions.parse(text);
        } catch (AgentOptions.BadOptionException e) {
            return Reply.error(e.getMessage());
        }
        hookExit();
        Future<Reply> result = CONTROL.submit(() -> {
            Log.toClient(notes);
            try {
                return apply(options, true);
            } finally {
                Log.toApplication();
            }
        });
        try {
            return result.get(CLIENT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return Reply.error("no answer: " + message(e));
        }
    }

    private static Reply apply(AgentOptions options) {
        return apply(options, false);
    }

    /**
     * Runs the actions of one request, in the order symbols, start, dump, stop, status.
     *
     * @param client a control client waits: a profile without a file goes back to it as bytes
     */
    private static Reply apply(AgentOptions options, boolean client) {
        try {
            if (options.has("control")) {
                startControl();
            }
            if (options.has("jmx")) {
                registerMBean();
            }
            if (options.has("perfmap") || options.has("jitdump")) {
                if (symbols == null) {
                    symbols = JitSymbols.start(tracker(), options);
                } else {
                    symbols.reconfigure(options);
                }
            }
            Reply reply = Reply.ok("");
            if (options.has("list")) {
                reply = list(options, client);
            }
            if (client && options.has("perfmap")) {
                // The map is written on the JIT event thread; the command waits to say whether it worked.
                String failure = symbols.awaitPerfMap(MAP_WAIT);
                if (failure != null) {
                    return Reply.error(failure);
                }
                reply = Reply.ok("Java symbols are in " + symbols.perfMapPath() + " and stay current while the JVM"
                        + " runs");
            }
            if (options.has("start")) {
                if (session != null) {
                    return Reply.error("a profile is already running (" + session.status()
                            + "); stop it first, or dump it");
                }
                start(options);
                reply = Reply.ok(session.status());
            }
            if (options.has("dump")) {
                if (session == null) {
                    return Reply.error("no profile is running: nothing to dump (start one with start)");
                }
                reply = deliver(session, session.snapshot(), options, client);
            }
            if (options.has("stop") || options.has("nosymbols")) {
                reply = stop(options, client);
            }
            if (options.has("status")) {
                reply = Reply.ok(status());
            }
            return reply;
        } catch (Throwable t) {
            return Reply.error(message(t));
        }
    }

    /**
     * {@code stop} ends the profile, {@code nosymbols} the Java symbols for perf; given both, it fails only when
     * neither was running. The profile's delivery is the answer; the symbols' end is a note beside it.
     */
    private static Reply stop(AgentOptions options, boolean client) throws Exception {
        Session s = options.has("stop") ? session : null;
        JitSymbols j = options.has("nosymbols") ? symbols : null;
        if (s == null && (j == null || options.has("send"))) {
            return Reply.error(nothingToStop(options));
        }
        String symbolsStopped = null;
        if (j != null) {
            symbols = null;
            symbolsStopped = j.stop();
        }
        if (s == null) {
            return Reply.ok(symbolsStopped);
        }
        session = null;
        cancelTimers();
        if (symbolsStopped != null) {
            Log.say(symbolsStopped);
        }
        return deliver(s, s.finish(), options, client);
    }

    /** The events of this machine: to the client, else to {@code file=}, else to standard output. */
    private static Reply list(AgentOptions options, boolean client) throws Exception {
        String text = EventCatalog.describe(null);
        if (client) {
            return Reply.ok(text);
        }
        Path file = Session.file(options);
        if (file == null) {
            System.out.print(text);
            return Reply.ok("");
        }
        io.jperf.files.SafeFile.replace(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return Reply.ok("written to " + file);
    }

    /** Why a stop found nothing; a client waiting for a profile hears that there is none, and nothing else stops. */
    private static String nothingToStop(AgentOptions o) {
        if (!o.has("stop")) {
            return "Java symbols for perf are not being written: nothing to stop";
        }
        if (o.has("send") || !o.has("nosymbols")) {
            return "no profile is running: nothing to stop";
        }
        return "nothing to stop: no profile is running and no Java symbols are written";
    }

    /**
     * A profile goes back to the control client when it asks ({@code send}), else to the request's file, else to the
     * session's.
     */
    private static Reply deliver(Session s, Session.Output profile, AgentOptions request, boolean client)
            throws Exception {
        if (request.has("send")) {
            if (!client) {
                return Reply.error("send is for the jperf command, which receives the profile; give file=PATH");
            }
            return Reply.bytes(s.render(profile, s.formatFor(request, null)));
        }
        Path file = s.fileFor(request);
        if (file == null) {
            return Reply.error("no file to write the " + s.what() + " to: give file=PATH (with %p for the pid, %t"
                    + " for the time)");
        }
        s.write(profile, s.formatFor(request, file), file);
        return Reply.ok("written to " + file);
    }

    /** One line on what jperf is doing in this JVM. */
    private static String status() {
        Session s = session;
        String profiling = s == null ? "no profile is running" : s.status();
        if (ownCodeOnC2 != null) {
            profiling += "; C2 compiles jperf's code too (" + ownCodeOnC2 + ")";
        }
        return symbols == null ? profiling : profiling + "; Java symbols for perf: " + symbols.describe();
    }

    /** Once per JVM, before jperf's threads start: jperf's own packages, as its isolated loader defines them. */
    private static void keepOwnCodeOffC2() {
        if (!ownCodeDirected) {
            ownCodeDirected = true;
            List<String> own = new ArrayList<>();
            for (Package p : Agent.class.getClassLoader().getDefinedPackages()) {
                if (p.getName().startsWith("io.jperf.")) {
                    own.add(p.getName());
                }
            }
            ownCodeOnC2 = CompilerDirectives.keepOffC2(instrumentation, own);
        }
    }

    private static void start(AgentOptions options) throws Exception {
        session = Session.start(options, tracker(), threads());
        if (options.has("duration") || options.has("timeout")) {
            long nanos = options.seconds(options.has("duration") ? "duration" : "timeout");
            schedule(new TimerTask() {
                @Override
                public void run() {
                    CONTROL.execute(() -> {
                        Session s = session;
                        if (s != null) {
                            report(apply(STOP));
                        }
                    });
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

    private static AgentOptions parseQuietly(String text) {
        try {
            return AgentOptions.parse(text);
        } catch (AgentOptions.BadOptionException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final AgentOptions NONE = parseQuietly("");
    private static final AgentOptions STOP = parseQuietly("stop");

    private static void report(Reply reply) {
        if (!reply.ok()) {
            Log.say(reply.error());
        }
    }

    private static void rotate() {
        Session s = session;
        if (s != null) {
            try {
                Path file = s.fileFor(NONE);
                s.write(s.rotate(), s.formatFor(NONE, file), file);
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

    private static void cancelTimers() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private static void startControl() throws Exception {
        if (control == null) {
            control = ControlServer.start(Agent::request);
            registerMBean();
        }
    }

    private static void registerMBean() {
        if (!mbean) {
            mbean = true;
            try {
                Profiler.register();
            } catch (Exception | LinkageError e) {
                Log.say("no JMX MBean io.jperf:type=Profiler: " + message(e));
            }
        }
    }

    private static CodeCacheTracker tracker() throws JvmtiException {
        if (tracker == null) {
            keepOwnCodeOffC2();
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
            if (control != null) {
                control.close();
            }
            Session s = session;
            session = null;
            if (s != null) {
                Session.Output profile = s.finish();
                Path file = s.fileFor(NONE);
                if (file == null) {
                    Log.say(s.what() + " not written: give file=PATH to write it at exit");
                } else {
                    s.write(profile, s.formatFor(NONE, file), file);
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

    static String message(Throwable t) {
        Throwable cause = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof LinkageError && cause.getCause() != null) {
            // A class of jperf's that could not be loaded: the JVM names only the class, the cause says why.
            cause = cause.getCause();
            return "cannot load " + (cause.getMessage() == null ? cause.toString() : cause.getMessage());
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}

package io.jperf.hotspot;

import com.sun.jna.Callback;
import com.sun.jna.Function;
import io.jperf.jvmti.EventCallbacks;
import io.jperf.jvmti.Jni;
import io.jperf.jvmti.Jvmti;
import io.jperf.jvmti.JvmtiException;
import io.jperf.linux.Libc;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntConsumer;

/**
 * Java threads by Linux thread id. Threads that start later announce themselves: a JVMTI ThreadStart callback, on
 * the new thread, notes its tid and its {@code Thread} (weakly, names are read when wanted, so renames show). Threads
 * that already run are found through HotSpot: {@code Thread.eetop} is the VM's JavaThread, whose OSThread holds the
 * tid (offsets from VMStructs, memory read safely).
 */
public final class JavaThreads implements AutoCloseable {
    private final Map<Integer, WeakReference<Thread>> byTid = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Object[]> started = new ConcurrentLinkedQueue<>();
    /**
     * The last name seen of each thread, so that samples resolved after a short-lived thread ended still get its
     * name; the oldest are forgotten past {@link #MAX_REMEMBERED}.
     */
    private final Map<Integer, String> lastNames = new java.util.LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };
    private static final int MAX_REMEMBERED = 100_000;
    private volatile IntConsumer onStart = tid -> { };
    private Jvmti jvmti;

    /** Copies, on the starting thread: its tid and Thread; the map is filled by whoever asks next. */
    private final EventCallbacks.ThreadStart onThreadStart = new EventCallbacks.ThreadStart() {
        @Override
        public void invoke(long jvmtiEnv, long jniEnv, long thread) {
            try {
                int tid = Libc.gettid();
                Thread t = Thread.currentThread();
                started.add(new Object[] {tid, new WeakReference<>(t), t.getName()});
                onStart.accept(tid);
            } catch (Throwable ignored) {
                // Never into the application's thread start.
            }
        }
    };

    private JavaThreads() {
    }

    /**
     * Follows thread starts and maps the threads that exist now.
     *
     * @param report one line per problem
     */
    public static JavaThreads start(java.util.function.Consumer<String> report) {
        JavaThreads threads = new JavaThreads();
        try {
            threads.jvmti = Jvmti.create();
            // Warm the callback up through its native entry, as the JVM will call it.
            Function.getFunction(Libc.directCallback(threads.onThreadStart))
                    .invoke(Void.class, new Object[] {0L, 0L, 0L});
            threads.started.clear();
            threads.jvmti.setEventCallbacks(Map.<Integer, Callback>of(Jvmti.EVENT_THREAD_START,
                    threads.onThreadStart));
            threads.jvmti.setEventEnabled(Jvmti.EVENT_THREAD_START, true);
        } catch (JvmtiException | RuntimeException e) {
            report.accept("thread names of new threads are not known: " + e.getMessage());
        }
        try {
            threads.mapExisting();
        } catch (JvmtiException | IOException | RuntimeException | UnsatisfiedLinkError e) {
            report.accept("names of threads that ran before jperf are not known (" + e.getMessage()
                    + "); their native names are used");
        }
        return threads;
    }

    private void mapExisting() throws JvmtiException, IOException {
        VMStructs vm = VMStructs.read();
        long osThread = vm.offset("JavaThread", "_osthread");
        if (osThread < 0) {
            osThread = vm.offset("Thread", "_osthread");
        }
        long threadId = vm.offset("OSThread", "_thread_id");
        if (osThread < 0 || threadId < 0) {
            throw new JvmtiException("VMStructs has no JavaThread::_osthread or OSThread::_thread_id", -1);
        }
        Jni jni = Jni.create();
        long eetop = jni.fieldId(Thread.class, "eetop", "J");
        if (eetop == 0) {
            throw new JvmtiException("java.lang.Thread has no eetop field", -1);
        }
        try (SafeMemory memory = new SafeMemory()) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                long javaThread = jni.longField(t, eetop);
                long os = memory.readLong(javaThread + osThread, 0);
                int tid = memory.readInt(os + threadId, 0);
                if (tid > 0) {
                    byTid.put(tid, new WeakReference<>(t));
                }
            }
        }
    }

    /**
     * The Java name of a thread (the last one seen, once it ended), or null when it is not a (known) Java thread.
     */
    @SuppressWarnings("unchecked")
    public synchronized String name(int tid) {
        for (Object[] s; (s = started.poll()) != null;) {
            byTid.put((Integer) s[0], (WeakReference<Thread>) s[1]);
            lastNames.put((Integer) s[0], (String) s[2]);
        }
        WeakReference<Thread> ref = byTid.get(tid);
        Thread t = ref == null ? null : ref.get();
        if (t == null) {
            return lastNames.get(tid);
        }
        String name = t.getName();
        lastNames.put(tid, name);
        return name;
    }

    /** What {@link #nameOf} says of a thread it knows nothing of (it ended, and was no Java thread jperf saw). */
    public static final String UNNAMED = "thread";

    /** A thread's Java name when {@code threads} knows it, else its native name ({@code comm}), else "thread". */
    public static String nameOf(JavaThreads threads, int tid) {
        String name = threads == null ? null : threads.name(tid);
        if (name != null) {
            return name;
        }
        try {
            return Files.readString(Path.of("/proc/self/task/" + tid + "/comm")).trim();
        } catch (IOException e) {
            return UNNAMED;
        }
    }

    /** Tells {@code listener} the tid of each Java thread that starts, on that thread: it must not wait. */
    public void onStart(IntConsumer listener) {
        onStart = listener;
    }

    public int known() {
        return byTid.size();
    }

    /** Stops following thread starts. */
    @Override
    public void close() {
        if (jvmti != null) {
            try {
                jvmti.setEventEnabled(Jvmti.EVENT_THREAD_START, false);
                jvmti.clearEventCallbacks();
            } catch (JvmtiException ignored) {
                // Disposing below ends the events anyway.
            }
            jvmti.dispose();
            jvmti = null;
        }
    }
}

package io.jperf.count;

import io.jperf.linux.Libc;
import io.jperf.perf.EventSpec;
import io.jperf.perf.PerfEvent;
import io.jperf.perf.PerfException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Counts events for this JVM, as {@code perf stat} does. Totals come from one inheriting counter per event on each
 * thread that exists at start: every thread created later is a descendant of one of them, so the kernel adds it in
 * exactly once. Per thread, each thread also gets counters of its own: a Java thread opens them itself at its
 * ThreadStart, before it runs any of its code (a system call, never a wait); other threads get them when a rescan
 * (every 100 ms) finds them, and what they counted before that is in the totals only. Counters of ended threads are
 * read once and closed.
 */
public final class Counters implements AutoCloseable {
    private static final long RESCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final List<EventSpec> events;
    private final boolean perThread;
    private final IntFunction<String> threadName;
    private final Consumer<String> report;
    /** Per event: the inheriting counters of the first threads; null where the event is not supported. */
    private final List<List<PerfEvent>> totals = new ArrayList<>();
    private final Map<Integer, Row> rows = new LinkedHashMap<>();
    /** Threads that started, with the counters they opened for themselves (null if they could not). */
    private final ConcurrentLinkedQueue<Started> started = new ConcurrentLinkedQueue<>();
    private final Thread poller;
    private final long startNanos = System.nanoTime();
    private volatile boolean running = true;
    private volatile boolean kernel = true;
    /** Per event, whether it is counted; null until start() opened the totals. */
    private volatile boolean[] counted;
    private volatile int pollerTid;
    private final CountDownLatch ready = new CountDownLatch(1);

    /** One thread's own counters, and its values once it ended. */
    private static final class Row {
        final int tid;
        String name;
        /** Whether the name is the thread's native one (comm), which its Java name replaces once known. */
        boolean nativeName;
        PerfEvent[] counters;
        long[] ended;

        Row(int tid, String name, boolean nativeName) {
            this.tid = tid;
            this.name = name;
            this.nativeName = nativeName;
        }
    }

    private record Started(int tid, PerfEvent[] counters) {
    }

    /** A value and whether the kernel had to multiplex it (then it is scaled, and the share it ran is given). */
    public record Value(long count, boolean supported, double runningShare) {
    }

    /** What the counters say now. */
    public record Reading(List<EventSpec> events, Value[] totals, List<ThreadRow> threads, long elapsedNanos,
            boolean kernel) {
    }

    public record ThreadRow(int tid, String name, long[] counts) {
    }

    private Counters(List<EventSpec> events, boolean perThread, IntFunction<String> threadName,
            Consumer<String> report) {
        this.events = List.copyOf(events);
        this.perThread = perThread;
        this.threadName = threadName;
        this.report = report;
        this.poller = new Thread(this::poll, "jperf-counters");
        poller.setDaemon(true);
    }

    /**
     * Starts counting.
     *
     * @param optional events that may be missing (perf stat's default hardware events): shown as not supported
     * @param threadName a thread's name (read again while it lives, so renames show)
     */
    public static Counters start(List<EventSpec> events, Set<EventSpec> optional, boolean perThread,
            IntFunction<String> threadName, Consumer<String> report) throws PerfException {
        Counters c = new Counters(events, perThread, threadName, report);
        // The poller exists before any counter, so it inherits none and counts nothing of its own.
        c.poller.start();
        try {
            c.ready.await();
            synchronized (c) {
                c.open(optional);
            }
        } catch (PerfException | RuntimeException e) {
            c.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new PerfException("interrupted while starting", 0);
        }
        return c;
    }

    private void open(Set<EventSpec> optional) throws PerfException {
        List<Integer> tids = liveThreads();
        tids.remove((Integer) pollerTid);
        for (EventSpec e : events) {
            totals.add(openTotals(e, tids, optional.contains(e)));
        }
        boolean[] supported = new boolean[events.size()];
        for (int i = 0; i < supported.length; i++) {
            supported[i] = totals.get(i) != null;
        }
        counted = supported;
        if (perThread) {
            for (int tid : tids) {
                addThread(tid, null);
            }
        }
    }

    private List<PerfEvent> openTotals(EventSpec event, List<Integer> tids, boolean optional) throws PerfException {
        List<PerfEvent> list = new ArrayList<>();
        for (int tid : tids) {
            PerfEvent e;
            try {
                e = openCounter(event, true, tid);
            } catch (PerfException ex) {
                for (PerfEvent opened : list) {
                    opened.close();
                }
                if (optional) {
                    return null;
                }
                throw ex;
            }
            if (e != null) {
                list.add(e);
            }
        }
        return list;
    }

    /** A counter for a thread, user space only once the kernel refused kernel counting; null if the thread ended. */
    private PerfEvent openCounter(EventSpec event, boolean inherit, int tid) throws PerfException {
        while (true) {
            try {
                PerfEvent e = PerfEvent.open(PerfEvent.Attr.counter(event, inherit, kernel).encode(), tid, -1);
                e.enable();
                return e;
            } catch (PerfException ex) {
                if (ex.errno() == Libc.ESRCH) {
                    return null;
                }
                if (kernel && (ex.errno() == Libc.EACCES || ex.errno() == Libc.EPERM)
                        && event.kind() != EventSpec.Kind.TRACEPOINT) {
                    kernel = false;
                    report.accept("counting in the kernel is not allowed (kernel.perf_event_paranoid="
                            + PerfEvent.paranoid() + "): counting user space only; for all counts run as root or"
                            + " 'sysctl -w kernel.perf_event_paranoid=1'");
                    continue;
                }
                throw ex;
            }
        }
    }

    public List<EventSpec> events() {
        return events;
    }

    /**
     * ThreadStart, on the new thread: it opens its own counters now, so they count from its first instruction, and
     * leaves them to the poller.
     */
    public void threadStarted(int tid) {
        boolean[] supported = counted;
        if (!perThread || supported == null || !running) {
            return;
        }
        PerfEvent[] own = null;
        try {
            own = openThread(tid, supported);
        } catch (PerfException | RuntimeException e) {
            // The poller's rescan tries again, and reports what fails then.
        }
        started.add(new Started(tid, own));
        LockSupport.unpark(poller);
        if (!running) {
            discardStarted();
        }
    }

    /** Counters of one thread, for the events counted; null if the thread ended first. */
    private PerfEvent[] openThread(int tid, boolean[] supported) throws PerfException {
        PerfEvent[] own = new PerfEvent[events.size()];
        for (int i = 0; i < own.length; i++) {
            if (supported[i]) {
                try {
                    own[i] = openCounter(events.get(i), false, tid);
                } catch (PerfException | RuntimeException e) {
                    close(own);
                    throw e;
                }
                if (own[i] == null) {
                    close(own);
                    return null;
                }
            }
        }
        return own;
    }

    /** Closes counters that threads opened after the poller stopped. */
    private void discardStarted() {
        for (Started s; (s = started.poll()) != null;) {
            if (s.counters != null) {
                close(s.counters);
            }
        }
    }

    private void poll() {
        pollerTid = Libc.gettid();
        ready.countDown();
        while (running) {
            LockSupport.parkNanos(RESCAN_NANOS);
            try {
                synchronized (this) {
                    if (counted == null) {
                        // start() has not opened the counters yet (or failed to): threads are added once it has.
                        continue;
                    }
                    for (Started s; (s = started.poll()) != null;) {
                        Row row = rows.get(s.tid);
                        if (row == null) {
                            addThread(s.tid, s.counters);
                            continue;
                        }
                        if (s.counters != null) {
                            close(s.counters);
                        }
                        if (row.nativeName) {
                            // A rescan found it before its ThreadStart: now its Java name is known. (A thread that
                            // already has one keeps it: the JVM renames main to DestroyJavaVM at exit.)
                            row.name = name(s.tid);
                            row.nativeName = false;
                        }
                    }
                    if (perThread) {
                        rescan();
                    }
                }
            } catch (Throwable t) {
                report.accept("per-thread counting stopped: " + t);
                return;
            }
        }
    }

    private void rescan() throws PerfException {
        List<Integer> live = liveThreads();
        live.remove((Integer) pollerTid);
        for (int tid : live) {
            addThread(tid, null);
        }
        Set<Integer> alive = Set.copyOf(live);
        for (Row row : rows.values()) {
            if (row.ended == null && !alive.contains(row.tid)) {
                row.ended = readRow(row);
                close(row.counters);
            }
        }
    }

    /** A row for a thread, with the counters it opened itself, or new ones; none if it ended meanwhile. */
    private void addThread(int tid, PerfEvent[] own) throws PerfException {
        if (rows.containsKey(tid)) {
            return;
        }
        PerfEvent[] counters = own != null ? own : openThread(tid, counted);
        if (counters == null) {
            return;
        }
        String name = name(tid);
        Row row = new Row(tid, name, own == null && name.equals(nativeName(tid)));
        row.counters = counters;
        rows.put(tid, row);
    }

    private String name(int tid) {
        return threadName.apply(tid);
    }

    private static String nativeName(int tid) {
        try {
            return Files.readString(Path.of("/proc/self/task/" + tid + "/comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private long[] readRow(Row row) {
        long[] values = new long[events.size()];
        for (int i = 0; i < values.length; i++) {
            PerfEvent e = row.counters[i];
            try {
                values[i] = e == null ? 0 : e.readCount().scaled();
            } catch (PerfException ex) {
                values[i] = 0;
            }
        }
        return values;
    }

    private static void close(PerfEvent[] counters) {
        for (PerfEvent e : counters) {
            if (e != null) {
                e.close();
            }
        }
    }

    /** The counts so far. */
    public synchronized Reading read() throws PerfException {
        Value[] values = new Value[events.size()];
        for (int i = 0; i < values.length; i++) {
            List<PerfEvent> list = totals.get(i);
            if (list == null) {
                values[i] = new Value(0, false, 1);
                continue;
            }
            long sum = 0;
            long enabled = 0;
            long running = 0;
            for (PerfEvent e : list) {
                PerfEvent.Count c = e.readCount();
                sum += c.scaled();
                enabled += c.enabled();
                running += c.running();
            }
            values[i] = new Value(sum, true, enabled == 0 ? 1 : Math.min(1, (double) running / enabled));
        }
        List<ThreadRow> threads = new ArrayList<>();
        for (Row row : rows.values()) {
            threads.add(new ThreadRow(row.tid, row.name, row.ended != null ? row.ended : readRow(row)));
        }
        return new Reading(events, values, threads, System.nanoTime() - startNanos, kernel);
    }

    /** Stops the poller and closes every counter (read first). */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(poller);
        try {
            poller.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeAll();
    }

    private synchronized void closeAll() {
        for (List<PerfEvent> list : totals) {
            if (list != null) {
                list.forEach(PerfEvent::close);
            }
        }
        totals.clear();
        discardStarted();
        for (Row row : rows.values()) {
            if (row.ended == null) {
                row.ended = readRow(row);
                close(row.counters);
            }
        }
    }

    private static List<Integer> liveThreads() throws PerfException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(p -> Integer.parseInt(p.getFileName().toString())).collect(Collectors.toList());
        } catch (IOException e) {
            throw new PerfException("cannot list this JVM's threads: " + e.getMessage(), 0);
        }
    }
}

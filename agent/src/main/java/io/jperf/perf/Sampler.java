package io.jperf.perf;

import com.sun.jna.Memory;
import io.jperf.linux.Libc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Samples every thread of this JVM with perf_events and hands the samples to a {@link SampleSink} on one reader
 * thread, which is not itself sampled.
 *
 * <p>Preferred mode, {@link Mode#PER_CPU}: one event per (thread, CPU) with {@code inherit}, so threads started
 * later are covered by the kernel without any work of ours, all redirected into one ring per CPU. Fallback,
 * {@link Mode#PER_THREAD}: one event and ring per thread, new threads added as they appear. Lost records and
 * throttling are counted, never hidden.
 */
public final class Sampler implements AutoCloseable {
    private static final int RECORD_SAMPLE = 9;
    private static final int RECORD_LOST = 2;
    private static final int RECORD_THROTTLE = 5;
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long RESCAN_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Per-CPU rings share this budget (bytes); each gets 32 to 256 pages. The reader is an ordinary thread: with
     * hundreds of busy threads it may wait a second for a CPU, and the rings must hold that long.
     */
    private static final long PER_CPU_BUDGET = 16L << 20;
    private static final int PER_CPU_MIN_PAGES = 32;
    private static final int PER_CPU_MAX_PAGES = 256;
    private static final int PER_THREAD_DATA_PAGES = 8;
    /** Rings are locked memory; below this many pages jperf stops shrinking them and reports the limit. */
    private static final int MIN_PAGES = 8;
    /** Above this many (thread, CPU) events the per-thread mode is cheaper in descriptors. */
    private static final int MAX_PER_CPU_EVENTS = 16_384;
    private static final int MAX_CHAIN = 512;

    /** How events and rings are laid out. */
    public enum Mode {
        PER_CPU("per-CPU rings (inherit)"), PER_THREAD("per-thread rings");

        public final String description;

        Mode(String description) {
            this.description = description;
        }
    }

    private final EventSpec event;
    private final long period;
    private final boolean frequency;
    private final SampleSink sink;
    private final Consumer<String> report;
    private final List<PerfEvent> events = new ArrayList<>();
    private final List<Ring> rings = new ArrayList<>();
    /** Per-thread mode: the event and ring of each thread, closed when the thread is gone. */
    private final Map<Integer, PerfEvent> eventByThread = new LinkedHashMap<>();
    private final Map<Integer, Ring> ringByThread = new LinkedHashMap<>();
    private final Set<Integer> threads = new HashSet<>();
    private final ConcurrentLinkedQueue<Integer> newThreads = new ConcurrentLinkedQueue<>();
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final long[] chain = new long[MAX_CHAIN];
    private final Thread reader;
    private final CountDownLatch readerStarted = new CountDownLatch(1);
    /** The reader touches events and rings only after {@link #open} made them. */
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile int readerTid;
    /** Events opened so far, ended threads' included: for status. */
    private volatile int eventsOpened;
    private volatile boolean running = true;
    private volatile Mode mode;
    private boolean kernel;
    private Memory attr;
    private long lastRescan;

    private final Mode wanted;

    private Sampler(EventSpec event, long period, boolean frequency, Mode wanted, SampleSink sink,
            Consumer<String> report) {
        this.wanted = wanted;
        this.event = event;
        this.period = period;
        this.frequency = frequency;
        this.sink = sink;
        this.report = report;
        this.reader = new Thread(this::read, "jperf-sampler");
        reader.setDaemon(true);
    }

    /**
     * Opens the events and starts sampling.
     *
     * @param period nanoseconds for clock events, a count otherwise; or, with {@code frequency}, samples per second
     * @param wanted a mode to use, or null to choose: per-CPU unless it fails or needs too many events
     */
    public static Sampler start(EventSpec event, long period, boolean frequency, Mode wanted, SampleSink sink,
            Consumer<String> report) throws PerfException {
        Sampler s = new Sampler(event, period, frequency, wanted, sink, report);
        // The reader exists before any event, so it inherits none and is never sampled.
        s.reader.start();
        try {
            s.readerStarted.await();
            s.open();
            s.opened.countDown();
        } catch (PerfException | RuntimeException e) {
            s.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.close();
            throw new PerfException("interrupted while starting", 0);
        }
        return s;
    }

    private void open() throws PerfException {
        List<Integer> tids = listThreads();
        List<Integer> cpus = onlineCpus();
        kernel = true;
        PerfException kernelRefused = null;
        try {
            probe(tids.get(0));
        } catch (PerfException e) {
            if (e.errno() != Libc.EACCES && e.errno() != Libc.EPERM) {
                throw e;
            }
            kernelRefused = e;
            kernel = false;
            probe(tids.get(0));
        }
        if (kernelRefused != null) {
            report.accept("kernel frames are not allowed (kernel.perf_event_paranoid=" + PerfEvent.paranoid()
                    + "): sampling user space only; for kernel frames run as root or 'sysctl -w "
                    + "kernel.perf_event_paranoid=1'");
        }
        boolean perCpu = wanted == Mode.PER_CPU
                || wanted == null && (long) tids.size() * cpus.size() <= MAX_PER_CPU_EVENTS;
        if (perCpu) {
            try {
                openPerCpu(tids, cpus);
                mode = Mode.PER_CPU;
            } catch (PerfException e) {
                closeEvents();
                if (wanted == Mode.PER_CPU) {
                    throw e;
                }
                report.accept("per-CPU sampling failed (" + e.getMessage() + "); using per-thread rings");
                perCpu = false;
            }
        }
        if (!perCpu) {
            attr = attr(false);
            for (int tid : tids) {
                openThread(tid);
            }
            mode = Mode.PER_THREAD;
        }
        for (PerfEvent e : events) {
            e.enable();
        }
        eventsOpened = events.size();
    }

    private void probe(int tid) throws PerfException {
        try (PerfEvent probe = PerfEvent.open(attr(false), tid, -1)) {
            probe.fd();
        }
    }

    private Memory attr(boolean inherit) {
        return new PerfEvent.Attr(event, period, frequency, inherit, kernel, 127).toMemory();
    }

    private void openPerCpu(List<Integer> tids, List<Integer> cpus) throws PerfException {
        Memory inheriting = attr(true);
        Map<Integer, PerfEvent> leaders = new LinkedHashMap<>();
        for (int tid : tids) {
            for (int cpu : cpus) {
                PerfEvent e;
                try {
                    e = PerfEvent.open(inheriting, tid, cpu);
                } catch (PerfException ex) {
                    if (ex.errno() == Libc.ESRCH) {
                        break; // the thread ended meanwhile
                    }
                    throw ex;
                }
                events.add(e);
                PerfEvent leader = leaders.get(cpu);
                if (leader == null) {
                    leaders.put(cpu, e);
                    rings.add(map(e, perCpuPages(cpus.size())));
                } else {
                    e.redirectTo(leader);
                }
            }
            threads.add(tid);
        }
    }

    /** Per-thread mode: one event and ring for a thread; a thread that ended meanwhile is skipped. */
    private void openThread(int tid) throws PerfException {
        PerfEvent e;
        try {
            e = PerfEvent.open(attr, tid, -1);
        } catch (PerfException ex) {
            if (ex.errno() == Libc.ESRCH) {
                return;
            }
            throw ex;
        }
        events.add(e);
        eventsOpened++;
        eventByThread.put(tid, e);
        Ring ring = map(e, PER_THREAD_DATA_PAGES);
        rings.add(ring);
        ringByThread.put(tid, ring);
        threads.add(tid);
    }

    static int perCpuPages(int cpus) {
        long pages = PER_CPU_BUDGET / Math.max(1, cpus) / 4096;
        int p = Integer.highestOneBit((int) Math.max(1, Math.min(PER_CPU_MAX_PAGES, pages)));
        return Math.max(PER_CPU_MIN_PAGES, p);
    }

    /** Maps a ring, halving it while the locked-memory limit refuses (non-root users have a small one). */
    private Ring map(PerfEvent e, int pages) throws PerfException {
        for (int p = pages;; p /= 2) {
            try {
                return Ring.map(e, p);
            } catch (PerfException ex) {
                if (ex.errno() != Libc.EPERM && ex.errno() != 12 /* ENOMEM */ || p <= MIN_PAGES) {
                    throw ex;
                }
            }
        }
    }

    /** A Java thread started (ThreadStart): in per-thread mode it needs its own event. */
    public void threadStarted(int tid) {
        if (mode == Mode.PER_THREAD) {
            newThreads.add(tid);
        }
    }

    private List<Integer> listThreads() throws PerfException {
        List<Integer> tids = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                int tid = Integer.parseInt(task.getFileName().toString());
                if (tid != readerTid) {
                    tids.add(tid);
                }
            }
        } catch (IOException e) {
            throw new PerfException("cannot list this JVM's threads: " + e.getMessage(), 0);
        }
        return tids;
    }

    static List<Integer> onlineCpus() throws PerfException {
        try {
            return parseCpuList(Files.readString(Path.of("/sys/devices/system/cpu/online")).trim());
        } catch (IOException e) {
            throw new PerfException("cannot read the online CPUs: " + e.getMessage(), 0);
        }
    }

    /** "0-3,5,7-8" → [0,1,2,3,5,7,8]. */
    static List<Integer> parseCpuList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String range : list.split(",")) {
            int dash = range.indexOf('-');
            int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
            for (int c = from; c <= to; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }

    private void read() {
        readerTid = Libc.gettid();
        readerStarted.countDown();
        try {
            opened.await();
            while (running) {
                long begin = System.nanoTime();
                drainAll();
                if (mode == Mode.PER_THREAD) {
                    addNewThreads(begin);
                }
                sink.drained(System.nanoTime());
                LockSupport.parkNanos(Math.max(0, DRAIN_NANOS - (System.nanoTime() - begin)));
            }
            drainAll();
            sink.drained(System.nanoTime());
        } catch (Throwable t) {
            report.accept("sampling stopped: " + t);
        }
    }

    private void drainAll() {
        for (int i = 0; i < rings.size(); i++) {
            rings.get(i).drain(this::record);
        }
    }

    private void record(int type, ByteBuffer b, int at, int size) {
        switch (type) {
            case RECORD_SAMPLE: {
                int tid = b.getInt(at + 12);
                long time = b.getLong(at + 16);
                long samplePeriod = b.getLong(at + 24);
                int n = (int) Math.min(b.getLong(at + 32), Math.min(MAX_CHAIN, (size - 40) / 8));
                for (int i = 0; i < n; i++) {
                    chain[i] = b.getLong(at + 40 + 8 * i);
                }
                samples.incrementAndGet();
                if (tid != readerTid) {
                    sink.sample(tid, time, samplePeriod, chain, n);
                }
                break;
            }
            case RECORD_LOST:
                lost.addAndGet(b.getLong(at + 16));
                break;
            case RECORD_THROTTLE:
                throttled.incrementAndGet();
                break;
            default:
                break;
        }
    }

    /** Per-thread mode, on the reader: events for new threads, and the events of ended threads closed. */
    private void addNewThreads(long now) {
        List<Integer> fresh = new ArrayList<>();
        for (Integer tid; (tid = newThreads.poll()) != null;) {
            fresh.add(tid);
        }
        if (now - lastRescan > RESCAN_NANOS) {
            lastRescan = now;
            try {
                List<Integer> live = listThreads();
                fresh.addAll(live);
                closeEnded(new HashSet<>(live));
            } catch (PerfException e) {
                report.accept(e.getMessage());
            }
        }
        for (int tid : fresh) {
            if (!threads.contains(tid)) {
                synchronized (this) {
                    try {
                        openThread(tid);
                        PerfEvent e = eventByThread.get(tid);
                        if (e != null) {
                            e.enable();
                        }
                    } catch (PerfException e) {
                        threads.add(tid);
                        report.accept("cannot sample thread " + tid + ": " + e.getMessage());
                    }
                }
            }
        }
    }

    private synchronized void closeEnded(Set<Integer> live) {
        for (Integer tid : new ArrayList<>(eventByThread.keySet())) {
            if (!live.contains(tid)) {
                Ring ring = ringByThread.remove(tid);
                ring.drain(this::record);
                rings.remove(ring);
                ring.close();
                PerfEvent e = eventByThread.remove(tid);
                events.remove(e);
                e.close();
                threads.remove(tid);
            }
        }
    }

    /** Statistics for status lines and outputs. */
    public record Stats(Mode mode, boolean kernel, int events, int rings, long ringBytes, long samples, long lost,
            long throttled, int readerTid) {
    }

    public synchronized Stats stats() {
        long bytes = 0;
        for (Ring r : rings) {
            bytes += r.length();
        }
        return new Stats(mode, kernel, eventsOpened, rings.size(), bytes, samples.get(), lost.get(),
                throttled.get(), readerTid);
    }

    /** Stops sampling, lets the reader take what is left, and frees events and rings. Idempotent. */
    @Override
    public void close() {
        for (PerfEvent e : events) {
            try {
                e.disable();
            } catch (PerfException ignored) {
                // Closing it below stops it as well.
            }
        }
        running = false;
        opened.countDown();
        LockSupport.unpark(reader);
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeEvents();
    }

    private synchronized void closeEvents() {
        for (Ring r : rings) {
            r.close();
        }
        rings.clear();
        ringByThread.clear();
        eventByThread.clear();
        for (PerfEvent e : events) {
            e.close();
        }
        events.clear();
        threads.clear();
    }
}

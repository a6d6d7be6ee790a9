package io.jperf.perf;

import com.sun.jna.LastErrorException;
import io.jperf.collect.LongIntMap;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Samples every thread of this JVM with perf_events, one or several events at once, and hands the samples to a
 * {@link SampleSink} on one reader thread, which is not itself sampled. The events of a thread and CPU share one
 * ring; each sample carries its event's id.
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
    /**
     * The reader sleeps up to this long when no ring can fill meanwhile: each wake-up costs the application some
     * 20-30 us of CPU, and at 99 Hz a 10 ms cycle cost more than the samples it read.
     */
    private static final long MAX_DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The largest sample without a stack copy: header and fields, and a callchain as deep as perf's default. */
    private static final int SAMPLE_BYTES = 96 + 8 * 128;
    private static final long RESCAN_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Per-CPU rings share this budget (bytes); each gets 32 to 256 pages, more for bursts and stack copies (below).
     * The reader is an ordinary thread: with hundreds of busy threads it may wait a second for a CPU, and the rings
     * must hold that long.
     */
    private static final long PER_CPU_BUDGET = 16L << 20;
    private static final int PER_CPU_MIN_PAGES = 32;
    private static final int PER_CPU_MAX_PAGES = 256;
    /**
     * When every occurrence of an event is recorded (tracepoints, probes, trace), bursts come at the speed of the
     * code, a record per microsecond on one CPU: four times the budget and the ring, so 10 ms of them fit.
     */
    private static final int EVERY_EVENT_FACTOR = 4;
    /**
     * Samples with stack copies: the same budget as for every occurrence, a ring sized to hold a second of samples
     * at the events' rate (the reader is a Java thread and stops at every safepoint, which with 500 runnable threads
     * on 2 CPUs took 0.15 to 1.5 s to reach and finish), up to 8 MiB: half a second of 16 KiB copies at 1 kHz.
     * 16 MiB rings did not lose fewer samples in runs like that, for twice the locked memory.
     */
    private static final int STACK_COPY_MAX_PAGES = 2048;
    /** The reader's nice value where it may take one: ahead of the application's threads when they are many. */
    private static final int READER_NICE = -15;
    private static final int PER_THREAD_DATA_PAGES = 8;
    /**
     * With stack copies (16 KiB each) a thread's ring must hold them while the reader waits for a CPU: up to 31 in
     * 128 pages. All of them share a budget, so that hundreds of threads do not lock hundreds of MiB: threads that many
     * share the CPUs and each makes fewer samples.
     */
    private static final int PER_THREAD_STACK_COPY_PAGES = 128;
    private static final long PER_THREAD_STACK_COPY_BUDGET = 64L << 20;
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

    private final List<SamplingEvent> wantedEvents;
    private final SampleSink sink;
    private final Consumer<String> report;
    private final String lossNotice;
    private final List<PerfEvent> events = new ArrayList<>();
    private final List<Ring> rings = new ArrayList<>();
    /** Per-thread mode: the event and ring of each thread, closed when the thread is gone. */
    private final Map<Integer, PerfEvent> eventByThread = new LinkedHashMap<>();
    private final Map<Integer, Ring> ringByThread = new LinkedHashMap<>();
    /** Per-thread mode: a thread's other events, which write into its first event's ring. */
    private final Map<Integer, List<PerfEvent>> companions = new LinkedHashMap<>();
    private final Set<Integer> threads = new HashSet<>();
    private final ConcurrentLinkedQueue<Integer> newThreads = new ConcurrentLinkedQueue<>();
    /** Event id (as samples carry it) → index in {@link #wantedEvents}. */
    private final LongIntMap eventOfId = new LongIntMap();
    private final long[] samplesByEvent;
    private final AtomicLong samples = new AtomicLong();
    /** Records lost as the kernel's PERF_RECORD_LOST records said. */
    private final AtomicLong lost = new AtomicLong();
    private final AtomicBoolean lossSaid = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Whether the events keep a lost count the reader can read (Linux 6.0 and later). */
    private boolean countsLost = true;
    /** Per-thread mode: the lost counts of ended threads' events, read before they were closed. */
    private long closedEventsLost;
    /** The most the events' lost counts have said, kept after close: LOST records not yet written included. */
    private long mostKernelLost;
    /** Set by close when the reader has not stopped: the reader frees the events and rings when it does. */
    private volatile boolean readerCloses;
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong drainPasses = new AtomicLong();
    private final Sample sample = new Sample(MAX_CHAIN);
    private final Thread reader;
    private final CountDownLatch readerStarted = new CountDownLatch(1);
    /** The reader touches events and rings only after {@link #open} made them. */
    private final CountDownLatch opened = new CountDownLatch(1);
    private volatile int readerTid;
    /** Events opened so far, ended threads' included: for status. */
    private volatile int eventsOpened;
    /** Rings mapped and their bytes, kept after close for the outputs written then. */
    private int ringsMapped;
    private long ringBytesMapped;
    private volatile boolean running = true;
    private volatile Mode mode;
    /** How long the reader sleeps between drains. */
    private long drainNanos = DRAIN_NANOS;
    private boolean kernel;
    private List<PerfEvent.Encoded> attrs;
    private long lastRescan;

    private final Mode wanted;

    private Sampler(List<SamplingEvent> events, Mode wanted, SampleSink sink, Consumer<String> report,
            String lossNotice) {
        this.wanted = wanted;
        this.lossNotice = lossNotice;
        this.wantedEvents = List.copyOf(events);
        this.samplesByEvent = new long[events.size()];
        this.sink = sink;
        this.report = report;
        this.reader = new Thread(this::read, "jperf-sampler");
        reader.setDaemon(true);
    }

    /**
     * Opens the events and starts sampling.
     *
     * @param wanted a mode to use, or null to choose: per-CPU unless it fails or needs too many events
     * @param lossNotice said at the first loss (see {@link #lossNotice(String, List)}): the count in the outputs is
     *     seen only afterwards
     */
    public static Sampler start(List<SamplingEvent> events, Mode wanted, SampleSink sink, Consumer<String> report,
            String lossNotice) throws PerfException {
        Sampler s = new Sampler(events, wanted, sink, report, lossNotice);
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
                || wanted == null && (long) tids.size() * cpus.size() * wantedEvents.size() <= MAX_PER_CPU_EVENTS;
        if (perCpu) {
            try {
                openPerCpu(tids, cpus);
                mode = Mode.PER_CPU;
            } catch (PerfException e) {
                closeEvents();
                ringsMapped = 0; // those rings are gone; the counts of close() are the ones kept
                ringBytesMapped = 0;
                if (wanted == Mode.PER_CPU) {
                    throw e;
                }
                report.accept("per-CPU sampling failed (" + e.getMessage() + "); using per-thread rings");
                perCpu = false;
            }
        }
        if (!perCpu) {
            attrs = attrs(false);
            for (int tid : tids) {
                openThread(tid);
            }
            mode = Mode.PER_THREAD;
        }
        for (PerfEvent e : events) {
            e.enable();
        }
        eventsOpened = events.size();
        if (mode == Mode.PER_CPU) {
            long shortest = Long.MAX_VALUE;
            for (Ring r : rings) {
                shortest = Math.min(shortest, r.length());
            }
            drainNanos = drainNanos(wantedEvents, rings.isEmpty() ? 0 : shortest);
        }
    }

    /**
     * How long the reader may sleep: a quarter of the time the smallest ring takes to fill at the events' highest
     * rate, within 10 to 100 ms. A per-CPU ring takes at most one thread's samples at a time, so clocks (each thread
     * samples only while it runs) and frequencies bound its rate; other events come as fast as the code makes them.
     * Per-thread rings stay at 10 ms, the pace at which new threads get their events.
     */
    static long drainNanos(List<SamplingEvent> events, long ringBytes) {
        double bytesPerSecond = bytesPerSecond(events);
        double fillNanos = bytesPerSecond == 0 ? Double.MAX_VALUE : ringBytes / bytesPerSecond * 1e9;
        return Math.max(DRAIN_NANOS, Math.min(MAX_DRAIN_NANOS, (long) (fillNanos / 4)));
    }

    /**
     * The most bytes a second the events can write into one per-CPU ring, or infinity when some event is not a
     * clock or frequency and so has no bound.
     */
    static double bytesPerSecond(List<SamplingEvent> events) {
        double bytesPerSecond = 0;
        for (SamplingEvent e : events) {
            double rate;
            if (e.frequency()) {
                rate = 2.0 * e.period(); // the kernel overshoots while it adjusts the period
            } else if (e.spec().isClock()) {
                rate = 1e9 / Math.max(1, e.period());
            } else {
                return Double.POSITIVE_INFINITY;
            }
            bytesPerSecond += rate * (SAMPLE_BYTES + e.stackCopy());
        }
        return bytesPerSecond;
    }

    /**
     * Opens each event once, with its filter, so that a refusal names its event (or filter) before anything runs and
     * is not mistaken for a reason to fall back to per-thread rings.
     */
    private void probe(int tid) throws PerfException {
        try {
            probeEach(tid);
        } catch (PerfException e) {
            if (e.errno() != Libc.EINVAL || !countsLost) {
                throw e;
            }
            // Before Linux 6.0 events keep no lost count: the LOST records alone say the losses.
            countsLost = false;
            probeEach(tid);
        }
    }

    private void probeEach(int tid) throws PerfException {
        List<PerfEvent.Encoded> attrs = attrs(false);
        for (int i = 0; i < attrs.size(); i++) {
            try (PerfEvent probe = PerfEvent.open(attrs.get(i), tid, -1)) {
                String filter = wantedEvents.get(i).filter();
                if (filter != null) {
                    probe.setFilter(filter);
                }
            }
        }
    }

    private List<PerfEvent.Encoded> attrs(boolean inherit) {
        List<PerfEvent.Encoded> list = new ArrayList<>();
        for (SamplingEvent e : wantedEvents) {
            list.add(new PerfEvent.Attr(e.spec(), e.period(), e.frequency(), inherit, kernel, e.callchain(), e.raw(),
                    e.stackCopy(), 127, countsLost).encode());
        }
        return list;
    }

    /** Opens event {@code index} for a thread and CPU, with its filter, and learns its id; null if the thread ended. */
    private PerfEvent openEvent(PerfEvent.Encoded attr, int index, int tid, int cpu) throws PerfException {
        PerfEvent e;
        try {
            e = PerfEvent.open(attr, tid, cpu);
        } catch (PerfException ex) {
            if (ex.errno() == Libc.ESRCH) {
                return null;
            }
            throw ex;
        }
        events.add(e);
        String filter = wantedEvents.get(index).filter();
        if (filter != null) {
            e.setFilter(filter);
        }
        eventOfId.put(e.id(), index);
        return e;
    }

    private void openPerCpu(List<Integer> tids, List<Integer> cpus) throws PerfException {
        List<PerfEvent.Encoded> inheriting = attrs(true);
        Map<Integer, PerfEvent> leaders = new LinkedHashMap<>();
        threads:
        for (int tid : tids) {
            for (int cpu : cpus) {
                for (int i = 0; i < inheriting.size(); i++) {
                    PerfEvent e = openEvent(inheriting.get(i), i, tid, cpu);
                    if (e == null) {
                        continue threads;
                    }
                    PerfEvent leader = leaders.get(cpu);
                    if (leader == null) {
                        leaders.put(cpu, e);
                        rings.add(map(e, perCpuPages(cpus.size(), everyEvent(), stackCopies(),
                                bytesPerSecond(wantedEvents))));
                    } else {
                        e.redirectTo(leader);
                    }
                }
            }
            threads.add(tid);
        }
    }

    /** Per-thread mode: the events of a thread, sharing one ring; a thread that ended meanwhile is skipped. */
    private void openThread(int tid) throws PerfException {
        PerfEvent leader = null;
        for (int i = 0; i < attrs.size(); i++) {
            PerfEvent e = openEvent(attrs.get(i), i, tid, -1);
            if (e == null) {
                return;
            }
            eventsOpened++;
            if (leader == null) {
                leader = e;
                eventByThread.put(tid, e);
                int pages = stackCopies() ? perThreadStackCopyPages(threads.size() + 1) : PER_THREAD_DATA_PAGES;
                Ring ring = map(e, pages);
                rings.add(ring);
                ringByThread.put(tid, ring);
            } else {
                e.redirectTo(leader);
                companions.computeIfAbsent(tid, t -> new ArrayList<>()).add(e);
            }
        }
        threads.add(tid);
    }

    /** Pages of a per-CPU ring: a share of the budget, within bounds (see the constants). */
    static int perCpuPages(int cpus, boolean everyEvent, boolean stackCopies, double bytesPerSecond) {
        int factor = everyEvent || stackCopies ? EVERY_EVENT_FACTOR : 1;
        int most = factor * PER_CPU_MAX_PAGES;
        if (stackCopies) {
            // A second of samples, rounded up to a power of two: 2 MiB for a 99 Hz interval.
            double second = Math.min(STACK_COPY_MAX_PAGES, Math.ceil(bytesPerSecond / 4096));
            most = Math.max(PER_CPU_MIN_PAGES, Integer.highestOneBit((int) second - 1) << 1);
        }
        long pages = factor * PER_CPU_BUDGET / Math.max(1, cpus) / 4096;
        int p = Integer.highestOneBit((int) Math.max(1, Math.min(most, pages)));
        return Math.max(PER_CPU_MIN_PAGES, p);
    }

    /** Pages of a thread's ring with stack copies when {@code threads} threads have rings: a share of the budget. */
    static int perThreadStackCopyPages(int threads) {
        long pages = PER_THREAD_STACK_COPY_BUDGET / Math.max(1, threads) / 4096;
        return Integer.highestOneBit((int) Math.max(MIN_PAGES * 2, Math.min(PER_THREAD_STACK_COPY_PAGES, pages)));
    }

    /** Whether some event is recorded at each occurrence rather than sampled by time or rate: bursts. */
    private boolean everyEvent() {
        for (SamplingEvent e : wantedEvents) {
            if (e.everyOccurrence()) {
                return true;
            }
        }
        return false;
    }

    /** Whether samples carry stack copies: bulk, a hundred times an fp sample's size. */
    private boolean stackCopies() {
        for (SamplingEvent e : wantedEvents) {
            if (e.stackCopy() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Maps a ring, halving it while the locked-memory limit refuses (non-root users have a small one). */
    private Ring map(PerfEvent e, int pages) throws PerfException {
        for (int p = pages;; p /= 2) {
            try {
                Ring ring = Ring.map(e, p);
                ringsMapped++;
                ringBytesMapped += ring.length();
                return ring;
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
        try {
            // With hundreds of busy threads a reader of ordinary priority waits its turn for a long time, and rings
            // of stack copies overflow meanwhile. Raising it needs CAP_SYS_NICE (or RLIMIT_NICE); without, it stays.
            Libc.setpriority(Libc.PRIO_PROCESS, readerTid, READER_NICE);
        } catch (LastErrorException notAllowed) {
            // An ordinary reader: losses, if any, are counted and shown.
        }
        readerStarted.countDown();
        try {
            opened.await();
            while (running) {
                long begin = System.nanoTime();
                drainAll();
                if (mode == Mode.PER_THREAD) {
                    addNewThreads(begin);
                }
                sink.drained(begin);
                drainPasses.incrementAndGet();
                LockSupport.parkNanos(Math.max(0, drainNanos - (System.nanoTime() - begin)));
            }
            drainAll();
            sink.drained(System.nanoTime());
        } catch (Throwable t) {
            report.accept("sampling stopped: " + t);
        } finally {
            if (readerCloses) {
                closeEvents();
            }
        }
    }

    /**
     * Wakes the reader and waits (at most {@code timeoutMillis}) until it has drained every ring since the call: an
     * output written now holds the samples taken until now, though the reader sleeps up to 100 ms between drains.
     */
    public void drainNow(long timeoutMillis) {
        long target = drainPasses.get() + 2; // the pass under way may have passed some rings already
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (running && reader.isAlive() && drainPasses.get() < target && System.nanoTime() < deadline) {
            LockSupport.unpark(reader);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private void drainAll() {
        for (int i = 0; i < rings.size(); i++) {
            rings.get(i).drain(this::record);
        }
    }

    /**
     * Decodes a record. A sample is laid out as {@link PerfEvent.Attr#sampleType} says: identifier, pid and tid,
     * time, period, then the callchain (nr, ips) and the raw data (u32 size, bytes) when its event has them.
     */
    private void record(int type, ByteBuffer b, int at, int size) {
        switch (type) {
            case RECORD_SAMPLE: {
                int index = eventOfId.get(b.getLong(at + 8), -1);
                if (index < 0) {
                    break;
                }
                SamplingEvent event = wantedEvents.get(index);
                Sample s = sample;
                s.event = index;
                s.tid = b.getInt(at + 20);
                s.time = b.getLong(at + 24);
                s.period = b.getLong(at + 32);
                int next = at + 40;
                s.chainLength = 0;
                if (event.callchain()) {
                    long nr = b.getLong(next);
                    int n = (int) Math.min(nr, Math.min(MAX_CHAIN, (at + size - next - 8) / 8));
                    for (int i = 0; i < n; i++) {
                        s.chain[i] = b.getLong(next + 8 + 8 * i);
                    }
                    s.chainLength = n;
                    next += 8 + 8 * (int) Math.min(nr, (at + size - next - 8) / 8);
                }
                s.rawSize = 0;
                s.buffer = b;
                if (event.raw() && next + 4 <= at + size) {
                    s.rawSize = Math.min(b.getInt(next), at + size - next - 4);
                    s.rawAt = next + 4;
                    next += 4 + b.getInt(next);
                }
                s.stackSize = 0;
                if (event.stackCopy() > 0 && next + 8 <= at + size) {
                    userRegsAndStack(s, b, next, at + size);
                }
                samples.incrementAndGet();
                samplesByEvent[index]++;
                if (s.tid != readerTid) {
                    sink.sample(s);
                }
                break;
            }
            case RECORD_LOST: {
                long n = b.getLong(at + 16);
                lost.addAndGet(n);
                if (n > 0) {
                    sayLoss();
                }
                break;
            }
            case RECORD_THROTTLE:
                throttled.incrementAndGet();
                break;
            default:
                break;
        }
    }

    /**
     * What to say when {@code what} (samples, system calls) are first lost, with the caller's settings that lose fewer
     * ({@code fewer}, maybe none): one line for every kind of session, so the README keys them by one prefix.
     */
    public static String lossNotice(String what, List<String> fewer) {
        return what + " lost: the rings filled before the reader drained them (it stops at the JVM's safepoints and"
                + " waits for a CPU like any thread); every output counts them"
                + (fewer.isEmpty() ? "" : ". Fewer are lost with " + String.join(", or ", fewer));
    }

    /**
     * The user registers (ABI, then those of {@link UserRegisters}, in the order of their bits in the mask) and the
     * stack copy (size, bytes, the size actually copied) that follow the raw data.
     */
    private static void userRegsAndStack(Sample s, ByteBuffer b, int next, int end) {
        long abi = b.getLong(next);
        next += 8;
        if (abi == 0 || next + 8 * UserRegisters.COUNT + 8 > end) {
            return; // a kernel thread, or a sample with no user context
        }
        s.userFp = b.getLong(next + 8 * UserRegisters.FP);
        s.userSp = b.getLong(next + 8 * UserRegisters.SP);
        s.userPc = b.getLong(next + 8 * UserRegisters.PC);
        s.userBcp = b.getLong(next + 8 * UserRegisters.BCP);
        next += 8 * UserRegisters.COUNT;
        long size = b.getLong(next);
        next += 8;
        if (size <= 0 || next + size + 8 > end) {
            return;
        }
        long dynamic = b.getLong(next + (int) size);
        s.stackAt = next;
        s.stackSize = (int) Math.min(size, dynamic);
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
            if (!threads.contains(tid) && running) {
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
                ringsMapped--;
                ringBytesMapped -= ring.length();
                ring.close();
                PerfEvent e = eventByThread.remove(tid);
                List<PerfEvent> ended = new ArrayList<>(companions.getOrDefault(tid, List.of()));
                ended.add(e);
                for (PerfEvent c : ended) {
                    closedEventsLost += lostCount(c);
                    events.remove(c);
                    c.close();
                }
                companions.remove(tid);
                threads.remove(tid);
            }
        }
    }

    /** Statistics for status lines and outputs. */
    public record Stats(Mode mode, boolean kernel, int events, int rings, long ringBytes, long samples, long lost,
            long throttled, int readerTid, long[] samplesByEvent) {
    }

    /**
     * The records lost: those the kernel's lost counts say where it keeps them, which include the latest losses
     * (written in a LOST record only with the ring's next record, which may never come); else those the LOST records
     * said.
     */
    public synchronized Stats stats() {
        return new Stats(mode, kernel, eventsOpened, ringsMapped, ringBytesMapped, samples.get(),
                Math.max(lost.get(), kernelLost()), throttled.get(), readerTid, samplesByEvent.clone());
    }

    /**
     * The events' lost counts, summed; said at the first loss. The largest sum is kept for after close. A read per
     * event: status and outputs ask, not the reader.
     */
    private synchronized long kernelLost() {
        if (countsLost) {
            long sum = closedEventsLost;
            for (PerfEvent e : events) {
                sum += lostCount(e);
            }
            mostKernelLost = Math.max(mostKernelLost, sum);
            if (mostKernelLost > 0) {
                sayLoss();
            }
        }
        return mostKernelLost;
    }

    private long lostCount(PerfEvent e) {
        try {
            return countsLost ? e.lost() : 0;
        } catch (PerfException unreadable) {
            return 0; // the LOST records still count what they said
        }
    }

    private void sayLoss() {
        if (lossSaid.compareAndSet(false, true)) {
            report.accept(lossNotice);
        }
    }

    /** Stops sampling, lets the reader take what is left, and frees events and rings. Idempotent. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        running = false;
        disableAll();
        opened.countDown();
        LockSupport.unpark(reader);
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kernelLost(); // while the events that count are open
        // Unmapping a ring under a reader that still reads it would crash the JVM: a late reader frees them itself.
        readerCloses = true;
        if (reader.isAlive()) {
            report.accept("the sampler's reader did not stop within 5 s; it frees the stopped events and rings when"
                    + " it does");
            return;
        }
        closeEvents();
    }

    /** Stops every event; under the lock the reader takes to add the events of new threads. */
    private synchronized void disableAll() {
        for (PerfEvent e : events) {
            try {
                e.disable();
            } catch (PerfException ignored) {
                // Closing it below stops it as well.
            }
        }
    }

    private synchronized void closeEvents() {
        for (Ring r : rings) {
            r.close();
        }
        rings.clear();
        ringByThread.clear();
        eventByThread.clear();
        companions.clear();
        for (PerfEvent e : events) {
            e.close();
        }
        events.clear();
        threads.clear();
    }
}

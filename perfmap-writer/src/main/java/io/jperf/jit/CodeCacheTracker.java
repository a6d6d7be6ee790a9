package io.jperf.jit;

import io.jperf.collect.LatencyHistogram;
import io.jperf.collect.LongIntMap;
import io.jperf.collect.Sorting;
import io.jperf.jvmti.InlineRecord;
import io.jperf.jvmti.Jvmti;
import io.jperf.jvmti.JvmtiException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps a {@link CodeCache} current from JVMTI code events and feeds {@link CodeListener}s.
 *
 * <p>Callbacks only copy ({@link CodeEventCollector}); a daemon resolver thread names the code, updates the cache,
 * publishes snapshots every 100 ms and drives the listeners. Code compiled before jperf
 * arrived is learnt by replaying (GenerateEvents) on a helper thread while the resolver keeps draining, so the queue
 * stays short. If the queue ever overflows, events are dropped, counted, and the cache is rebuilt by another replay.
 */
public final class CodeCacheTracker {
    /** How often changes reach readers; a publish copies only the chunks that changed. */
    private static final long PUBLISH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /**
     * An idle resolver sleeps this long, or until the queue holds {@link #WAKE_EVENTS}: each wake-up costs the
     * application CPU, and a JVM at work posts no JIT events for seconds at a time.
     */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int WAKE_EVENTS = 1_000;
    private static final int QUEUE_CAPACITY = 100_000;
    private static final int MAX_FAILED_PASSES = 50;

    private final Jvmti jvmti;
    private final Consumer<String> report;
    private final CodeEventCollector collector = new CodeEventCollector(QUEUE_CAPACITY);
    private final MethodTable methods;
    private final CodeCache cache = new CodeCache(0, 0);
    private final List<CodeListener> listeners = new CopyOnWriteArrayList<>();
    private final List<CodeListener> joining = new CopyOnWriteArrayList<>();
    private final List<CodeListener> leaving = new CopyOnWriteArrayList<>();
    private final Thread resolver;
    private volatile boolean running = true;
    /** Some listener wants inline tables and line numbers. */
    private volatile boolean detail;

    // Resolver-thread state.
    private final List<CodeBlob> displaced = new ArrayList<>();
    private boolean dirty;
    private long lastPublish;
    private CodeEvent carried;
    private volatile long unresolved;
    private boolean replayInFlight;
    private boolean pruneAfterReplay;
    private long replayStarted;
    private volatile long firstReplayNanos = -1;
    /** Every JIT event posted before this time is in the published snapshot. */
    private volatile long consistentUntil = Long.MIN_VALUE;
    private volatile boolean publishRequested;
    /** Start addresses of the code a replay reported (value 1). */
    private LongIntMap seenInReplay = new LongIntMap();
    private List<CodeListener> replayAudience = List.of();

    private CodeCacheTracker(Jvmti jvmti, Supplier<Class<?>[]> loadedClasses, Consumer<String> report) {
        this.jvmti = jvmti;
        this.report = report;
        this.methods = new MethodTable(jvmti, loadedClasses);
        this.resolver = new Thread(this::resolve, "jperf-jit-resolver");
        collector.wakeAt(WAKE_EVENTS, resolver);
        resolver.setDaemon(true);
    }

    /**
     * Creates a JVMTI environment, enables the code events and starts following the code cache. Listeners learn the
     * code that exists already by a replay when they join.
     *
     * @param loadedClasses all loaded classes ({@code Instrumentation::getAllLoadedClasses})
     * @param report receives one line per problem
     * @param initial listeners that see the code from the start
     */
    public static CodeCacheTracker start(Supplier<Class<?>[]> loadedClasses, Consumer<String> report,
            CodeListener... initial) throws JvmtiException {
        Jvmti jvmti = Jvmti.create();
        CodeCacheTracker tracker = new CodeCacheTracker(jvmti, loadedClasses, report);
        for (CodeListener l : initial) {
            tracker.addListener(l);
        }
        try {
            jvmti.addCapabilities(Jvmti.CAN_GENERATE_COMPILED_METHOD_LOAD_EVENTS, Jvmti.CAN_GET_LINE_NUMBERS,
                    Jvmti.CAN_GET_SOURCE_FILE_NAME);
            tracker.collector.warmUp();
            jvmti.setEventCallbacks(Map.of(
                    Jvmti.EVENT_COMPILED_METHOD_LOAD, tracker.collector.onLoad,
                    Jvmti.EVENT_COMPILED_METHOD_UNLOAD, tracker.collector.onUnload,
                    Jvmti.EVENT_DYNAMIC_CODE_GENERATED, tracker.collector.onGenerated));
            jvmti.setEventEnabled(Jvmti.EVENT_COMPILED_METHOD_LOAD, true);
            jvmti.setEventEnabled(Jvmti.EVENT_COMPILED_METHOD_UNLOAD, true);
            jvmti.setEventEnabled(Jvmti.EVENT_DYNAMIC_CODE_GENERATED, true);
        } catch (JvmtiException | RuntimeException e) {
            tracker.disableEvents();
            jvmti.dispose();
            throw e;
        }
        tracker.resolver.start();
        return tracker;
    }

    public CodeCache cache() {
        return cache;
    }

    /**
     * Adds a listener. It learns the code that exists already through a replay addressed to it, so a jitdump started
     * late still gets every method with its bytes.
     */
    public void addListener(CodeListener listener) {
        joining.add(listener);
        updateNeeds();
        LockSupport.unpark(resolver);
    }

    /** Removes a listener; it writes its final state ({@link CodeListener#close}) on the resolver thread soon after. */
    public void removeListener(CodeListener listener) {
        if (!joining.remove(listener) && listeners.contains(listener)) {
            leaving.add(listener);
            LockSupport.unpark(resolver);
        }
        updateNeeds();
    }

    /** Copy code bytes and keep detail only while some listener needs them. */
    private void updateNeeds() {
        boolean code = false;
        boolean details = false;
        for (List<CodeListener> group : List.of(listeners, joining)) {
            for (CodeListener l : group) {
                if (leaving.contains(l)) {
                    continue;
                }
                code |= l.wantsCode();
                details |= l.wantsDetail();
            }
        }
        collector.copyCode = code;
        detail = details;
        collector.copyInlining = details;
    }

    /**
     * Keeps unloaded code resolvable for samples taken before it was unloaded, for {@code retention}, at most
     * {@code max} blobs. None by default: a perf map needs only live code.
     */
    public void retainUnloaded(java.time.Duration retention, int max) {
        cache.retainUnloaded(retention.toNanos(), max);
    }

    /**
     * A time before which every JIT event is reflected in {@link CodeCache#snapshot()}: samples older than it (less
     * the JVM's own delay in posting events) can be resolved now.
     */
    public long consistentUntil() {
        return consistentUntil;
    }

    /** Publishes pending changes at once and waits (at most {@code timeoutMillis}) until they are visible. */
    public void sync(long timeoutMillis) {
        long asked = System.nanoTime();
        long deadline = asked + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        publishRequested = true;
        LockSupport.unpark(resolver);
        while (running && resolver.isAlive() && consistentUntil < asked && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    /** Counters for status lines and benchmarks. */
    public Stats stats() {
        CodeCache.Snapshot s = cache.snapshot();
        LatencyHistogram t = collector.serviceTime;
        return new Stats(collector.received(), collector.dropped(), collector.failed(), unresolved,
                methods.gone(), methods.rescans(), s.liveCount(), s.size(), firstReplayNanos, t.count(), t.percentile(0.5),
                t.percentile(0.99), t.max());
    }

    /**
     * Counters of the tracker; times in nanoseconds. {@code unresolvedMethods}: frames whose class jperf could not
     * find; {@code goneMethods}: frames whose class was unloaded before jperf could name them (short-lived code);
     * {@code firstReplay}: time to learn the code that existed when jperf arrived (−1 until done); {@code service*}:
     * time JVMTI callbacks spent per event on the Service Thread, from entry to exit of our Java code.
     */
    public record Stats(long events, long dropped, long callbackFailures, long unresolvedMethods, long goneMethods,
            long classRescans,
            int liveBlobs, int retainedBlobs, long firstReplay, long serviceEvents, long serviceP50, long serviceP99,
            long serviceMax) {
    }

    /**
     * Stops the events, processes what is queued, lets listeners write their final state, and disposes the JVMTI
     * environment. Safe to call from a shutdown hook.
     */
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        disableEvents();
        LockSupport.unpark(resolver);
        try {
            resolver.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!resolver.isAlive()) {
            try {
                do {
                    methods.newPass();
                } while (drain() > 0);
                publish(System.nanoTime());
            } catch (RuntimeException e) {
                report.accept("JIT symbols incomplete at exit: " + e);
            }
            leaving.addAll(listeners);
            closeLeaving();
        }
        jvmti.dispose();
    }

    private void closeLeaving() {
        for (CodeListener l : leaving) {
            leaving.remove(l);
            if (listeners.remove(l)) {
                guard(l, () -> l.close(cache.snapshot()));
            }
        }
    }

    private void disableEvents() {
        try {
            jvmti.setEventEnabled(Jvmti.EVENT_COMPILED_METHOD_LOAD, false);
            jvmti.setEventEnabled(Jvmti.EVENT_COMPILED_METHOD_UNLOAD, false);
            jvmti.setEventEnabled(Jvmti.EVENT_DYNAMIC_CODE_GENERATED, false);
            jvmti.clearEventCallbacks();
        } catch (JvmtiException e) {
            report.accept("cannot disable JIT events: " + e.getMessage());
        }
    }

    /** The resolver thread. A failing pass is reported and the next one tries again; a run of failures stops it. */
    private void resolve() {
        int failures = 0;
        while (running) {
            try {
                pass();
                failures = 0;
            } catch (Throwable t) {
                report.accept("JIT symbol resolver failed: " + t);
                if (++failures >= MAX_FAILED_PASSES) {
                    report.accept("JIT symbol resolver stopped after " + failures + " failed passes");
                    return;
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
    }

    private void pass() {
        long passStart = System.nanoTime();
        methods.newPass();
        admitJoiningListeners();
        boolean busy = drain() > 0;
        endCodeOfUnloadedClasses(methods.purgeUnloaded());
        if (!replayInFlight && collector.takeResyncRequest()) {
            report.accept("JIT event queue overflowed (" + collector.dropped()
                    + " events dropped so far); re-reading the code cache");
            startReplay(true);
        }
        long now = System.nanoTime();
        if (dirty && (now - lastPublish >= PUBLISH_NANOS || publishRequested)) {
            publish(now);
        }
        publishRequested = false;
        if (!dirty && carried == null && !replayInFlight) {
            consistentUntil = passStart;
        }
        if (!leaving.isEmpty()) {
            if (dirty) {
                publish(now);
            }
            closeLeaving();
        }
        CodeCache.Snapshot snapshot = cache.snapshot();
        for (CodeListener l : listeners) {
            guard(l, () -> l.tick(snapshot, now));
        }
        if (!busy) {
            LockSupport.parkNanos(IDLE_NANOS);
        }
    }

    private void admitJoiningListeners() {
        if (joining.isEmpty() || replayInFlight) {
            return;
        }
        List<CodeListener> fresh = new ArrayList<>(joining);
        joining.removeAll(fresh);
        listeners.addAll(fresh);
        replayAudience = fresh;
        startReplay(false);
    }

    private void startReplay(boolean prune) {
        replayInFlight = true;
        pruneAfterReplay = prune;
        replayStarted = System.nanoTime();
        seenInReplay = new LongIntMap();
        Thread replay = new Thread(() -> {
            try {
                collector.replaying = Thread.currentThread();
                jvmti.generateEvents(Jvmti.EVENT_DYNAMIC_CODE_GENERATED);
                jvmti.generateEvents(Jvmti.EVENT_COMPILED_METHOD_LOAD);
            } catch (JvmtiException | RuntimeException e) {
                report.accept("cannot replay the code compiled so far: " + e.getMessage());
            } finally {
                collector.replaying = null;
                collector.mark(new CodeEvent(CodeEvent.REPLAY_END, System.nanoTime(), true, 0, 0, 0, null, null,
                        null));
                LockSupport.unpark(resolver);
            }
        }, "jperf-jit-replay");
        replay.setDaemon(true);
        replay.start();
    }

    /**
     * Applies queued events in order. A load whose class appeared after this pass's rescan ends the pass and is
     * retried first in the next one, after a fresh rescan; then it is named as unknown if its class is still missing.
     */
    private int drain() {
        int n = 0;
        if (carried != null) {
            CodeEvent e = carried;
            carried = null;
            apply(e, true);
            n++;
        }
        for (CodeEvent e; (e = collector.poll()) != null;) {
            n++;
            if (!apply(e, false)) {
                carried = e;
                break;
            }
        }
        return n;
    }

    /** @return false when the event must wait for the next pass */
    private boolean apply(CodeEvent e, boolean lastChance) {
        switch (e.kind) {
            case CodeEvent.LOAD:
            case CodeEvent.GENERATED:
                return e.address == 0 || e.size <= 0 || add(e, lastChance);
            case CodeEvent.UNLOAD:
                CodeBlob gone = e.address == 0 ? null : cache.remove(e.address, e.time);
                if (gone != null) {
                    dirty = true;
                    for (CodeListener l : listeners) {
                        guard(l, () -> l.unloaded(gone, e.time));
                    }
                }
                break;
            case CodeEvent.REPLAY_END:
                finishReplay(e.time);
                break;
            default:
                throw new IllegalStateException("event kind " + e.kind);
        }
        return true;
    }

    private boolean add(CodeEvent e, boolean lastChance) {
        CodeBlob blob;
        if (e.kind == CodeEvent.LOAD) {
            MethodRef method = method(e.methodId, lastChance);
            InlineTable inlining = method == null ? null
                    : detail && e.inlining.size() > 0 ? inlineTable(e, lastChance) : InlineTable.NONE;
            if (inlining == null) {
                return false;
            }
            blob = new CompiledMethod(e.address, e.size, method, inlining);
        } else {
            blob = new GeneratedCode(e.address, e.size, e.name == null ? "[unnamed stub]" : e.name);
        }
        if (e.replayed) {
            seenInReplay.put(e.address, 1);
        }
        displaced.clear();
        CodeCache.Added outcome = cache.add(blob, e.replayed ? CodeCache.ALWAYS : e.time, e.time, displaced);
        boolean fresh = outcome == CodeCache.Added.NEW;
        for (CodeBlob old : displaced) {
            for (CodeListener l : listeners) {
                guard(l, () -> l.unloaded(old, e.time));
            }
        }
        List<CodeListener> audience = fresh ? listeners : e.replayed ? replayAudience : List.of();
        dirty |= outcome != CodeCache.Added.KNOWN;
        for (CodeListener l : audience) {
            guard(l, () -> l.loaded(blob, e.time, e.replayed, l.wantsCode() ? e.code : null));
        }
        return true;
    }

    /** The method of an id; null to wait for the next pass, unless this is the last chance. */
    private MethodRef method(long methodId, boolean lastChance) {
        MethodRef m = methods.resolve(methodId, detail);
        if (m == null && !lastChance) {
            return null;
        }
        if (m == null) {
            unresolved++;
            return MethodTable.UNKNOWN;
        }
        return m;
    }

    private InlineTable inlineTable(CodeEvent e, boolean lastChance) {
        InlineRecord r = e.inlining;
        int n = r.size();
        boolean sorted = true;
        for (int i = 1; i < n; i++) {
            sorted &= r.pcs[i - 1] <= r.pcs[i];
        }
        int[] order = sorted ? null : pcOrder(r.pcs); // the JVM lists them in order, all but never
        int[] pcOffsets = new int[n];
        int[] frameStart = new int[n + 1];
        MethodRef[] frameMethods = new MethodRef[r.methods.length];
        int[] bcis = new int[r.bcis.length];
        int f = 0;
        for (int i = 0; i < n; i++) {
            int src = order == null ? i : order[i];
            pcOffsets[i] = (int) (r.pcs[src] - e.address);
            frameStart[i] = f;
            for (int k = r.frameStart[src]; k < r.frameStart[src + 1]; k++, f++) {
                frameMethods[f] = method(r.methods[k], lastChance);
                if (frameMethods[f] == null) {
                    return null;
                }
                bcis[f] = r.bcis[k];
            }
        }
        frameStart[n] = f;
        return new InlineTable(pcOffsets, frameStart, frameMethods, bcis);
    }

    /** The order of the pcs, ascending; at one pc, the order the JVM gave. */
    private static int[] pcOrder(long[] pcs) {
        int[] order = new int[pcs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Sorting.sort(order.length, new Sorting.Rows() {
            @Override
            public int compare(int i, int j) {
                int c = Long.compare(pcs[order[i]], pcs[order[j]]);
                return c != 0 ? c : Integer.compare(order[i], order[j]);
            }

            @Override
            public void swap(int i, int j) {
                Sorting.swap(order, i, j);
            }
        });
        return order;
    }

    /**
     * Code cannot outlive the classes of its methods: when a class is gone, so is all code compiled from or inlining
     * its methods, whether or not its unload event reached us.
     */
    private void endCodeOfUnloadedClasses(Set<MethodRef> gone) {
        if (gone.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (CodeBlob blob : cache.liveLoadedBefore(CodeCache.NEVER)) {
            if (blob instanceof CompiledMethod && ((CompiledMethod) blob).refersToAny(gone)) {
                cache.remove(blob.start, now);
                dirty = true;
                for (CodeListener l : listeners) {
                    guard(l, () -> l.unloaded(blob, now));
                }
            }
        }
    }

    private void finishReplay(long time) {
        if (pruneAfterReplay) {
            for (CodeBlob blob : cache.liveLoadedBefore(replayStarted)) {
                if (seenInReplay.get(blob.start, 0) == 0 && blob instanceof CompiledMethod) {
                    cache.remove(blob.start, replayStarted);
                    dirty = true;
                    for (CodeListener l : listeners) {
                        guard(l, () -> l.unloaded(blob, time));
                    }
                }
            }
        }
        seenInReplay = new LongIntMap();
        replayAudience = List.of();
        replayInFlight = false;
        if (firstReplayNanos < 0) {
            firstReplayNanos = System.nanoTime() - replayStarted;
        }
        dirty = true;
    }

    private void publish(long now) {
        cache.publish(now);
        lastPublish = now;
        dirty = false;
    }

    private void guard(CodeListener l, Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            listeners.remove(l);
            report.accept(t.getMessage() == null ? t.toString() : t.getMessage());
        }
    }
}

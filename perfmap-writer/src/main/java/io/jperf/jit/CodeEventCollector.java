package io.jperf.jit;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jperf.collect.LatencyHistogram;
import io.jperf.jvmti.EventCallbacks;
import io.jperf.linux.Libc;
import io.jperf.jvmti.InlineRecord;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The JVMTI callbacks: they copy what the JVM hands over and queue it, nothing else. They run on the JVM's Service
 * Thread (or on the replaying thread during GenerateEvents), never wait, never throw, and avoid lambdas and string
 * concatenation, whose first use loads classes inside the callback (Pitfall 2).
 */
final class CodeEventCollector {
    private final ConcurrentLinkedQueue<CodeEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final int capacity;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean resyncNeeded;
    /** Set while code bytes are needed (a jitdump is being written). */
    volatile boolean copyCode;
    /** Set while inline records are needed. */
    volatile boolean copyInlining;
    /** The thread running GenerateEvents: its events are replays. */
    volatile Thread replaying;
    /** Time the Service Thread spends in our callbacks, per event. */
    final LatencyHistogram serviceTime = new LatencyHistogram();

    private volatile int wakeAt = Integer.MAX_VALUE;
    private volatile Thread consumer;

    CodeEventCollector(int capacity) {
        this.capacity = capacity;
    }

    /** The consumer sleeps while it can: it is woken (never waited for) when {@code events} are queued. */
    void wakeAt(int events, Thread consumer) {
        this.consumer = consumer;
        this.wakeAt = events;
    }

    final EventCallbacks.MethodLoad onLoad = new EventCallbacks.MethodLoad() {
        @Override
        public void invoke(long env, long method, int codeSize, long codeAddr, int mapLength, long map,
                long compileInfo) {
            long begin = System.nanoTime();
            boolean replayed = Thread.currentThread() == replaying;
            try {
                InlineRecord inlining = copyInlining ? InlineRecord.copy(compileInfo) : InlineRecord.EMPTY;
                byte[] code = copyCode && codeAddr != 0 && codeSize > 0
                        ? new Pointer(codeAddr).getByteArray(0, codeSize) : null;
                offer(new CodeEvent(CodeEvent.LOAD, begin, replayed, method, codeAddr, codeSize, inlining, code,
                        null));
            } catch (Throwable t) {
                failed.incrementAndGet();
            }
            timed(begin, replayed);
        }
    };

    final EventCallbacks.MethodUnload onUnload = new EventCallbacks.MethodUnload() {
        @Override
        public void invoke(long env, long method, long codeAddr) {
            long begin = System.nanoTime();
            try {
                offer(new CodeEvent(CodeEvent.UNLOAD, begin, false, method, codeAddr, 0, null, null, null));
            } catch (Throwable t) {
                failed.incrementAndGet();
            }
            timed(begin, false);
        }
    };

    final EventCallbacks.DynamicCode onGenerated = new EventCallbacks.DynamicCode() {
        @Override
        public void invoke(long env, long name, long address, int length) {
            long begin = System.nanoTime();
            boolean replayed = Thread.currentThread() == replaying;
            try {
                String text = name == 0 ? null : new Pointer(name).getString(0);
                byte[] code = copyCode && address != 0 && length > 0
                        ? new Pointer(address).getByteArray(0, length) : null;
                offer(new CodeEvent(CodeEvent.GENERATED, begin, replayed, 0, address, length, null, code, text));
            } catch (Throwable t) {
                failed.incrementAndGet();
            }
            timed(begin, replayed);
        }
    };

    private void timed(long begin, boolean replayed) {
        if (!replayed) {
            serviceTime.record(System.nanoTime() - begin);
        }
    }

    private void offer(CodeEvent e) {
        received.incrementAndGet();
        int queued = pending.incrementAndGet();
        if (queued > capacity) {
            pending.decrementAndGet();
            dropped.incrementAndGet();
            resyncNeeded = true;
            return;
        }
        queue.offer(e);
        if (queued == wakeAt) {
            LockSupport.unpark(consumer);
        }
    }

    /** Queues a marker past the capacity check: it must never be lost. */
    void mark(CodeEvent e) {
        pending.incrementAndGet();
        queue.offer(e);
    }

    CodeEvent poll() {
        CodeEvent e = queue.poll();
        if (e != null) {
            pending.decrementAndGet();
        }
        return e;
    }

    /** True once after events were dropped: the tracker must replay to learn the code cache again. */
    boolean takeResyncRequest() {
        if (!resyncNeeded) {
            return false;
        }
        resyncNeeded = false;
        return true;
    }

    long received() {
        return received.get();
    }

    long dropped() {
        return dropped.get();
    }

    long failed() {
        return failed.get();
    }

    /**
     * Runs every callback through its own native entry point with harmless arguments, so that JNA's dispatch and our
     * code are loaded and linked before the JVM first calls them on the Service Thread. The events this queues have
     * address 0 and are discarded by the tracker.
     */
    void warmUp() {
        Memory record = new Memory(40 + 32 + 8 + 4);
        record.clear();
        Pointer pcInfo = record.share(40);
        Pointer methods = record.share(72);
        Pointer bcis = record.share(80);
        record.setInt(0, 2);
        record.setInt(24, 1);
        record.setPointer(32, pcInfo);
        pcInfo.setLong(0, 16);
        pcInfo.setInt(8, 1);
        pcInfo.setPointer(16, methods);
        pcInfo.setPointer(24, bcis);
        Memory name = new Memory(8);
        name.setString(0, "warmup");
        Function load = Function.getFunction(Libc.directCallback(onLoad));
        Function unload = Function.getFunction(Libc.directCallback(onUnload));
        Function generated = Function.getFunction(Libc.directCallback(onGenerated));
        boolean inlining = copyInlining;
        copyInlining = true;
        for (int i = 0; i < 3; i++) {
            load.invoke(Void.class, new Object[] {0L, 0L, 0, 0L, 0, 0L, Pointer.nativeValue(record)});
            unload.invoke(Void.class, new Object[] {0L, 0L, 0L});
            generated.invoke(Void.class, new Object[] {0L, Pointer.nativeValue(name), 0L, 0});
        }
        copyInlining = inlining;
        serviceTime.reset();
        received.set(0);
    }
}

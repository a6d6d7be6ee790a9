package io.jperf.collect;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Nanosecond durations in log-linear buckets (32 per power of two, under 3% error), recorded lock-free from any
 * thread, so that a JVMTI callback can time itself without waiting.
 */
public final class LatencyHistogram {
    private static final int SUB = 32;
    private final AtomicLongArray counts = new AtomicLongArray(64 * SUB);
    private final AtomicLong max = new AtomicLong();

    private static int index(long v) {
        if (v < SUB) {
            return (int) Math.max(0, v);
        }
        int e = 63 - Long.numberOfLeadingZeros(v);
        return (e - 4) * SUB + (int) ((v >>> (e - 5)) & (SUB - 1));
    }

    private static long lowerBound(int index) {
        if (index < SUB) {
            return index;
        }
        int e = index / SUB + 4;
        return (long) (SUB + index % SUB) << (e - 5);
    }

    public void record(long nanos) {
        counts.incrementAndGet(index(nanos));
        long m;
        while (nanos > (m = max.get()) && !max.compareAndSet(m, nanos)) {
            Thread.onSpinWait();
        }
    }

    public long count() {
        long n = 0;
        for (int i = 0; i < counts.length(); i++) {
            n += counts.get(i);
        }
        return n;
    }

    /** The duration below which a fraction {@code q} (0..1) of the recordings fall, to within a bucket. */
    public long percentile(double q) {
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(lowerBound(i + 1) - 1, max.get());
            }
        }
        return max.get();
    }

    public long max() {
        return max.get();
    }

    /** A copy as of now (recordings made meanwhile may or may not be in it). */
    public LatencyHistogram copy() {
        LatencyHistogram c = new LatencyHistogram();
        for (int i = 0; i < counts.length(); i++) {
            c.counts.set(i, counts.get(i));
        }
        c.max.set(max.get());
        return c;
    }

    public void reset() {
        for (int i = 0; i < counts.length(); i++) {
            counts.set(i, 0);
        }
        max.set(0);
    }
}

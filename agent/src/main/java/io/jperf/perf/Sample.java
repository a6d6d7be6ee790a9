package io.jperf.perf;

import java.nio.ByteBuffer;

/**
 * One sample as the reader thread decodes it, reused for the next: valid only during {@link SampleSink#sample}.
 */
public final class Sample {
    int event;
    int tid;
    long time;
    long period;
    final long[] chain;
    int chainLength;
    ByteBuffer buffer;
    int rawAt;
    int rawSize;

    Sample(int maxChain) {
        this.chain = new long[maxChain];
    }

    /** The index of the event in the sampler's list. */
    public int event() {
        return event;
    }

    public int tid() {
        return tid;
    }

    /** CLOCK_MONOTONIC nanoseconds. */
    public long time() {
        return time;
    }

    public long period() {
        return period;
    }

    /** The callchain as perf gives it, context markers included (empty when the event has none). */
    public long[] chain() {
        return chain;
    }

    public int chainLength() {
        return chainLength;
    }

    /** Bytes of raw tracepoint data (0 when the event has none). */
    public int rawSize() {
        return rawSize;
    }

    /** A field of the raw data at the offset its tracepoint format gives. */
    public long rawLong(int offset) {
        return buffer.getLong(rawAt + offset);
    }

    public int rawInt(int offset) {
        return buffer.getInt(rawAt + offset);
    }
}

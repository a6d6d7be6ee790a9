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
    long userPc;
    long userSp;
    long userFp;
    long userBcp;
    int stackAt;
    int stackSize;

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

    /** Bytes of the user stack copied from the sampled thread's stack pointer up (0 when none). */
    public int stackSize() {
        return stackSize;
    }

    /** The user-space pc, stack pointer and frame pointer at the sample (when {@link #stackSize} is above 0). */
    public long userPc() {
        return userPc;
    }

    public long userSp() {
        return userSp;
    }

    public long userFp() {
        return userFp;
    }

    /** The register the interpreter keeps its bytecode pointer in (r13, x22): meaningful in interpreter code. */
    public long userBcp() {
        return userBcp;
    }

    /** Whether the 8 bytes at {@code address} of the sampled stack are in the copy. */
    public boolean inStack(long address) {
        long offset = address - userSp;
        return offset >= 0 && offset <= stackSize - 8;
    }

    /** The 8 bytes at {@code address} of the sampled stack; check {@link #inStack} first. */
    public long stackLong(long address) {
        return buffer.getLong(stackAt + (int) (address - userSp));
    }
}

package io.jperf.stack;

/** What kind of code a frame runs; outputs colour by it and collapsed stacks carry it as flamegraph.pl suffixes. */
public enum FrameKind {
    /** Root frame of a thread (with {@code threads}). */
    THREAD(""),
    KERNEL("_[k]"),
    NATIVE(""),
    /** Code the JVM generates itself: stubs, adapters. */
    STUB(""),
    INTERPRETED("_[0]"),
    COMPILED("_[j]"),
    INLINED("_[i]"),
    UNKNOWN(""),
    /** Root frame of an event's section, when several events are sampled at once. */
    EVENT("");

    /** The suffix flamegraph.pl's java palette colours by. */
    public final String suffix;

    FrameKind(String suffix) {
        this.suffix = suffix;
    }

    public boolean isJava() {
        return this == INTERPRETED || this == COMPILED || this == INLINED;
    }
}

package io.jperf.jit;

import io.jperf.jvmti.InlineRecord;

/** One JVMTI code event as the callback copied it; resolved later on the tracker's thread. */
final class CodeEvent {
    static final byte LOAD = 0;
    static final byte UNLOAD = 1;
    static final byte GENERATED = 2;
    /** Marks the end of a replay on the queue. */
    static final byte REPLAY_END = 3;

    final byte kind;
    /** CLOCK_MONOTONIC time of the callback. */
    final long time;
    /** Posted by GenerateEvents: the code existed before this moment. */
    final boolean replayed;
    final long methodId;
    final long address;
    final int size;
    final InlineRecord inlining;
    final byte[] code;
    final String name;

    CodeEvent(byte kind, long time, boolean replayed, long methodId, long address, int size, InlineRecord inlining,
            byte[] code, String name) {
        this.kind = kind;
        this.time = time;
        this.replayed = replayed;
        this.methodId = methodId;
        this.address = address;
        this.size = size;
        this.inlining = inlining;
        this.code = code;
        this.name = name;
    }
}

package io.jperf.jit;

/**
 * Follows the code cache. All calls come from the tracker's resolver thread, in event order; an exception removes the
 * listener and is reported once.
 */
public interface CodeListener {
    /**
     * Code appeared.
     *
     * @param time CLOCK_MONOTONIC time it appeared; for code that predates jperf, the time jperf saw it
     * @param code its bytes, when {@link #wantsCode()}; otherwise null
     */
    default void loaded(CodeBlob blob, long time, boolean predates, byte[] code) {
    }

    default void unloaded(CodeBlob blob, long time) {
    }

    /**
     * Whether this listener needs inline tables and line numbers. They cost most of jperf's memory, so the tracker
     * keeps them only while a listener asks for them.
     */
    default boolean wantsDetail() {
        return false;
    }

    /** Whether {@link #loaded} needs the code bytes (copied in the JVMTI callback, so only when someone needs them). */
    default boolean wantsCode() {
        return false;
    }

    /** After each pass of the resolver (every few ms), with the current snapshot. */
    default void tick(CodeCache.Snapshot snapshot, long now) {
    }

    /** The tracker stops (JVM exit or stop): write what is pending. */
    default void close(CodeCache.Snapshot snapshot) {
    }
}

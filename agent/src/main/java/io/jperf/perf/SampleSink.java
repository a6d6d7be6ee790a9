package io.jperf.perf;

/** Receives what the sampler reads from the rings, on the sampler's reader thread. */
public interface SampleSink {
    /**
     * One sample.
     *
     * @param chain the callchain as perf gives it, context markers included; valid only during the call
     */
    void sample(int tid, long time, long period, long[] chain, int length);

    /** After each drain of the rings: time to resolve buffered samples. */
    void drained(long now);
}

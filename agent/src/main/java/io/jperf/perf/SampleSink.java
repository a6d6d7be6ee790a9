package io.jperf.perf;

/** Receives what the sampler reads from the rings, on the sampler's reader thread. */
public interface SampleSink {
    /** One sample; {@code sample} is reused after the call returns. */
    void sample(Sample sample);

    /**
     * After each drain of the rings: time to resolve buffered samples. Every sample taken before {@code complete}
     * (CLOCK_MONOTONIC) has been delivered by now; later ones may still come, from rings read earlier in the drain.
     */
    void drained(long complete);
}

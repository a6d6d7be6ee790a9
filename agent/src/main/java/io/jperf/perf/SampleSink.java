package io.jperf.perf;

/** Receives what the sampler reads from the rings, on the sampler's reader thread. */
public interface SampleSink {
    /** One sample; {@code sample} is reused after the call returns. */
    void sample(Sample sample);

    /** After each drain of the rings: time to resolve buffered samples. */
    void drained(long now);
}

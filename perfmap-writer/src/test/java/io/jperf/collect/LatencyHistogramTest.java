package io.jperf.collect;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest {
    @Test
    void percentilesAreWithinTheBucketError() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v * 10);
        }
        assertEquals(100_000, h.count());
        assertEquals(1_000_000, h.max());
        assertWithin(500_000, h.percentile(0.5));
        assertWithin(990_000, h.percentile(0.99));
        assertEquals(1_000_000, h.percentile(1.0));
        h.reset();
        assertEquals(0, h.count());
        assertEquals(0, h.percentile(0.5));
    }

    @Test
    void smallValuesAreExact() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(3);
        h.record(3);
        h.record(7);
        assertEquals(3, h.percentile(0.5));
        assertEquals(7, h.percentile(0.99));
    }

    private static void assertWithin(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected * 0.04, expected + " vs " + actual);
    }
}

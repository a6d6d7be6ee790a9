package io.jperf.perf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Samples built by hand, as the reader would decode them, for tests of sinks. */
public final class TestSamples {
    private TestSamples() {
    }

    /** A sample of event {@code event} on thread {@code tid} at {@code time}, with these raw data words. */
    public static Sample raw(int event, int tid, long time, long... words) {
        Sample s = new Sample(1);
        s.event = event;
        s.tid = tid;
        s.time = time;
        s.period = 1;
        ByteBuffer b = ByteBuffer.allocate(8 * words.length).order(ByteOrder.nativeOrder());
        for (long w : words) {
            b.putLong(w);
        }
        s.buffer = b;
        s.rawAt = 0;
        s.rawSize = b.capacity();
        return s;
    }
}

package io.jperf.profile;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PendingSamplesTest {
    @Test
    void keepsOrderAcrossChunksAndInterleavedReads() {
        PendingSamples pending = new PendingSamples();
        ArrayDeque<long[]> expected = new ArrayDeque<>();
        Random random = new Random(5);
        long[] chain = new long[600];
        long time = 0;
        for (int round = 0; round < 20_000; round++) {
            if (random.nextInt(3) > 0) {
                int length = random.nextInt(chain.length);
                for (int i = 0; i < length; i++) {
                    chain[i] = random.nextLong();
                }
                int tid = 1 + random.nextInt(1000);
                int event = random.nextInt(3);
                pending.add(event, tid, ++time, 7, chain, length);
                long[] record = new long[length + 3];
                record[0] = tid;
                record[1] = time;
                record[2] = event;
                System.arraycopy(chain, 0, record, 3, length);
                expected.add(record);
            } else if (!expected.isEmpty()) {
                long[] want = expected.poll();
                long[] c = pending.head();
                int at = pending.offset();
                assertEquals(want[0], PendingSamples.tid(c, at));
                assertEquals(want[1], PendingSamples.time(c, at));
                assertEquals(want[2], PendingSamples.event(c, at));
                assertEquals(7, PendingSamples.period(c, at));
                assertEquals(want.length - 3, PendingSamples.length(c, at));
                for (int i = 3; i < want.length; i++) {
                    assertEquals(want[i], c[PendingSamples.ips(at) + i - 3]);
                }
                pending.remove();
            }
            assertEquals(expected.size(), pending.size());
        }
        while (!expected.isEmpty()) {
            assertEquals(expected.poll()[1], PendingSamples.time(pending.head(), pending.offset()));
            pending.remove();
        }
        assertNull(pending.head());
    }
}

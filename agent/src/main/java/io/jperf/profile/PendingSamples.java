package io.jperf.profile;

import java.util.ArrayDeque;

/**
 * Raw samples waiting to be resolved, in arrival order, kept in reused chunks of longs: the reader makes no garbage
 * per sample. A record is {event << 32 | tid, time, period, length, ips...} and never spans two chunks.
 */
final class PendingSamples {
    private static final int CHUNK = 1 << 13;
    private static final int HEADER = 4;

    private final ArrayDeque<long[]> chunks = new ArrayDeque<>();
    private final ArrayDeque<long[]> spare = new ArrayDeque<>();
    private long[] tail;
    private int tailUsed;
    private int headRead;
    private int size;

    void add(int event, int tid, long time, long period, long[] chain, int length) {
        int need = HEADER + length;
        if (tail == null || tailUsed + need > CHUNK) {
            tail = spare.isEmpty() ? new long[Math.max(CHUNK, need)] : spare.poll();
            tailUsed = 0;
            chunks.add(tail);
        }
        tail[tailUsed] = (long) event << 32 | Integer.toUnsignedLong(tid);
        tail[tailUsed + 1] = time;
        tail[tailUsed + 2] = period;
        tail[tailUsed + 3] = length;
        System.arraycopy(chain, 0, tail, tailUsed + HEADER, length);
        tailUsed += need;
        if (tailUsed < tail.length) {
            tail[tailUsed] = -1; // end of records in this chunk, until the next is written
        }
        size++;
    }

    int size() {
        return size;
    }

    /** The chunk holding the oldest record, or null; its offset is {@link #offset()}. */
    long[] head() {
        long[] c = chunks.peek();
        if (c != null && (headRead >= c.length || c[headRead] == -1) && c != tail) {
            chunks.poll();
            recycle(c);
            headRead = 0;
            c = chunks.peek();
        }
        return c == null || size == 0 ? null : c;
    }

    int offset() {
        return headRead;
    }

    static int tid(long[] c, int at) {
        return (int) c[at];
    }

    static int event(long[] c, int at) {
        return (int) (c[at] >>> 32);
    }

    static long time(long[] c, int at) {
        return c[at + 1];
    }

    static long period(long[] c, int at) {
        return c[at + 2];
    }

    static int length(long[] c, int at) {
        return (int) c[at + 3];
    }

    static int ips(int at) {
        return at + HEADER;
    }

    /** Drops the oldest record (after it was read through {@link #head()}). */
    void remove() {
        long[] c = chunks.peek();
        headRead += HEADER + length(c, headRead);
        size--;
        if (size == 0) {
            for (long[] k; (k = chunks.poll()) != null;) {
                recycle(k);
            }
            tail = null;
            headRead = 0;
        }
    }

    private void recycle(long[] chunk) {
        if (chunk.length == CHUNK && spare.size() < 4) {
            spare.add(chunk);
        }
    }
}

package io.jperf.collect;

import java.util.Arrays;

/** An open-addressing map from {@code long} keys to {@code int} values, no boxing, no removal. Not thread-safe. */
public final class LongIntMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private int[] values;
    private int size;

    public LongIntMap() {
        keys = new long[64];
        values = new int[64];
        Arrays.fill(keys, EMPTY);
    }

    public int size() {
        return size;
    }

    private static int hash(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The value of {@code key}, or {@code missing}. */
    public int get(long key, int missing) {
        int mask = keys.length - 1;
        for (int i = hash(key) & mask;; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
            if (keys[i] == EMPTY) {
                return missing;
            }
        }
    }

    public void put(long key, int value) {
        if (key == EMPTY) {
            throw new IllegalArgumentException("reserved key");
        }
        if ((size + 1) * 4L >= keys.length * 3L) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = hash(key) & mask;; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            if (keys[i] == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }
}

package io.jperf.collect;

/**
 * An open-addressing map from {@code long} keys (jmethodIDs, addresses) to objects: no boxing, linear probing.
 * Not thread-safe. Keys 0 and {@link Long#MIN_VALUE} are reserved (empty slot and removed slot).
 */
public final class LongMap<V> {
    private static final long EMPTY = 0;
    private static final long REMOVED = Long.MIN_VALUE;

    private long[] keys = new long[16];
    private Object[] values = new Object[16];
    private int size;
    private int used;

    public int size() {
        return size;
    }

    private static int hash(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @SuppressWarnings("unchecked")
    public V get(long key) {
        checkKey(key);
        int mask = keys.length - 1;
        for (int i = hash(key) & mask;; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return (V) values[i];
            }
            if (keys[i] == EMPTY) {
                return null;
            }
        }
    }

    public void put(long key, V value) {
        checkKey(key);
        if ((used + 1) * 4L >= keys.length * 3L) {
            rehash(size * 2L >= keys.length ? keys.length * 2 : keys.length);
        }
        int mask = keys.length - 1;
        int reuse = -1;
        for (int i = hash(key) & mask;; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            if (keys[i] == REMOVED && reuse < 0) {
                reuse = i;
            } else if (keys[i] == EMPTY) {
                if (reuse < 0) {
                    used++;
                } else {
                    i = reuse;
                }
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    public V remove(long key) {
        checkKey(key);
        int mask = keys.length - 1;
        for (int i = hash(key) & mask;; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                keys[i] = REMOVED;
                values[i] = null;
                size--;
                return old;
            }
            if (keys[i] == EMPTY) {
                return null;
            }
        }
    }

    /** Makes room for {@code entries} in all without growing step by step: one table, not a trail of smaller ones. */
    public void ensureCapacity(int entries) {
        int capacity = keys.length;
        while (entries * 4L >= capacity * 3L) {
            capacity *= 2;
        }
        if (capacity > keys.length) {
            rehash(capacity);
        }
    }

    @SuppressWarnings("unchecked")
    private void rehash(int capacity) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[capacity];
        values = new Object[capacity];
        size = 0;
        used = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY && oldKeys[i] != REMOVED) {
                put(oldKeys[i], (V) oldValues[i]);
            }
        }
    }

    private static void checkKey(long key) {
        if (key == EMPTY || key == REMOVED) {
            throw new IllegalArgumentException("reserved key " + key);
        }
    }
}

package io.jperf.collect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A map from {@code long} keys (addresses) to objects, in key order: sorted chunks of at most {@link #CHUNK} keys, the
 * chunk of a key found by binary search over the chunks' first keys. An insertion or removal moves at most one chunk's
 * entries (and, when a chunk splits or empties, the list of chunks). TreeMap's ordered lookups without a boxed key and
 * a node per entry, and in jperf's code, which the JVM keeps C2 off, rather than in the JDK's, which C2 then compiles
 * on jperf's behalf. Not thread-safe.
 */
public final class LongSortedMap<V> {
    static final int CHUNK = 128;

    /** Per chunk: its first key, its sorted keys, their values, how many it holds. */
    private long[] firsts = new long[4];
    private long[][] keys = new long[4][];
    private Object[][] values = new Object[4][];
    private int[] sizes = new int[4];
    private int chunks;
    private int size;

    public int size() {
        return size;
    }

    /** The value of {@code key}, or null. */
    public V get(long key) {
        int c = chunkOf(key);
        if (c < 0) {
            return null;
        }
        int i = Arrays.binarySearch(keys[c], 0, sizes[c], key);
        return i < 0 ? null : value(c, i);
    }

    /** The value of the greatest key at or below {@code key}, or null. */
    public V floor(long key) {
        int c = chunkOf(key);
        if (c < 0) {
            return null;
        }
        int i = Arrays.binarySearch(keys[c], 0, sizes[c], key);
        return value(c, i >= 0 ? i : -i - 2); // the chunk's first key is at or below key: -i - 2 >= 0
    }

    /** The values of the keys in [{@code from}, {@code to}), in key order: a copy, the map may change meanwhile. */
    public List<V> range(long from, long to) {
        List<V> out = List.of();
        int c = Math.max(0, chunkOf(from));
        for (; c < chunks && firsts[c] < to; c++) {
            int i = Arrays.binarySearch(keys[c], 0, sizes[c], from);
            for (i = i >= 0 ? i : -i - 1; i < sizes[c] && keys[c][i] < to; i++) {
                if (out.isEmpty()) {
                    out = new ArrayList<>();
                }
                out.add(value(c, i));
            }
        }
        return out;
    }

    /** All values in key order: a copy. */
    public List<V> values() {
        List<V> out = new ArrayList<>(size);
        for (int c = 0; c < chunks; c++) {
            for (int i = 0; i < sizes[c]; i++) {
                out.add(value(c, i));
            }
        }
        return out;
    }

    /** Maps {@code key} to {@code value}; returns the value it replaced, or null. */
    public V put(long key, V value) {
        if (chunks == 0) {
            insertChunk(0, new long[CHUNK], new Object[CHUNK], 0);
        }
        int c = Math.max(0, chunkOf(key));
        int i = Arrays.binarySearch(keys[c], 0, sizes[c], key);
        if (i >= 0) {
            V old = value(c, i);
            values[c][i] = value;
            return old;
        }
        if (sizes[c] == CHUNK) {
            split(c);
            if (key >= firsts[c + 1]) {
                c++;
            }
            i = Arrays.binarySearch(keys[c], 0, sizes[c], key);
        }
        int at = -i - 1;
        System.arraycopy(keys[c], at, keys[c], at + 1, sizes[c] - at);
        System.arraycopy(values[c], at, values[c], at + 1, sizes[c] - at);
        keys[c][at] = key;
        values[c][at] = value;
        sizes[c]++;
        firsts[c] = keys[c][0];
        size++;
        return null;
    }

    /** Removes {@code key}; returns its value, or null when it had none. */
    public V remove(long key) {
        int c = chunkOf(key);
        if (c < 0) {
            return null;
        }
        int i = Arrays.binarySearch(keys[c], 0, sizes[c], key);
        if (i < 0) {
            return null;
        }
        V old = value(c, i);
        int n = --sizes[c];
        System.arraycopy(keys[c], i + 1, keys[c], i, n - i);
        System.arraycopy(values[c], i + 1, values[c], i, n - i);
        values[c][n] = null;
        size--;
        if (n == 0) {
            removeChunk(c);
        } else {
            firsts[c] = keys[c][0];
        }
        return old;
    }

    /** The chunk whose keys would hold {@code key}: the last whose first key is at or below it; -1 when none is. */
    private int chunkOf(long key) {
        int lo = 0;
        int hi = chunks - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (firsts[mid] <= key) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    private void split(int c) {
        int half = CHUNK / 2;
        long[] k = new long[CHUNK];
        Object[] v = new Object[CHUNK];
        System.arraycopy(keys[c], half, k, 0, CHUNK - half);
        System.arraycopy(values[c], half, v, 0, CHUNK - half);
        Arrays.fill(values[c], half, CHUNK, null);
        sizes[c] = half;
        insertChunk(c + 1, k, v, CHUNK - half);
    }

    private void insertChunk(int c, long[] k, Object[] v, int n) {
        if (chunks == firsts.length) {
            int grown = chunks * 2;
            firsts = Arrays.copyOf(firsts, grown);
            keys = Arrays.copyOf(keys, grown);
            values = Arrays.copyOf(values, grown);
            sizes = Arrays.copyOf(sizes, grown);
        }
        System.arraycopy(firsts, c, firsts, c + 1, chunks - c);
        System.arraycopy(keys, c, keys, c + 1, chunks - c);
        System.arraycopy(values, c, values, c + 1, chunks - c);
        System.arraycopy(sizes, c, sizes, c + 1, chunks - c);
        firsts[c] = n > 0 ? k[0] : 0;
        keys[c] = k;
        values[c] = v;
        sizes[c] = n;
        chunks++;
    }

    private void removeChunk(int c) {
        chunks--;
        System.arraycopy(firsts, c + 1, firsts, c, chunks - c);
        System.arraycopy(keys, c + 1, keys, c, chunks - c);
        System.arraycopy(values, c + 1, values, c, chunks - c);
        System.arraycopy(sizes, c + 1, sizes, c, chunks - c);
        keys[chunks] = null;
        values[chunks] = null;
    }

    @SuppressWarnings("unchecked")
    private V value(int c, int i) {
        return (V) values[c][i];
    }
}

package io.jperf.collect;

/**
 * A bounded cache by object identity, direct-mapped: a key's slot holds the last key that landed there, and a new one
 * evicts it. Lookups allocate nothing and touch no JDK collection, so a reader's per-sample lookups stay cheap and
 * leave the JDK's code to the application (no WeakHashMap to expunge, no lambda per miss). Holds at most its size of
 * keys strongly. Not thread-safe.
 */
public final class IdentityCache<K, V> {
    private final Object[] keys;
    private final Object[] values;
    private final int mask;

    /** @param slots a power of two */
    public IdentityCache(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two: " + slots);
        }
        keys = new Object[slots];
        values = new Object[slots];
        mask = slots - 1;
    }

    /** The value last put for this very key, or null when there is none or it was evicted. */
    @SuppressWarnings("unchecked")
    public V get(K key) {
        int i = slot(key);
        return keys[i] == key ? (V) values[i] : null;
    }

    public void put(K key, V value) {
        int i = slot(key);
        keys[i] = key;
        values[i] = value;
    }

    private int slot(Object key) {
        int h = System.identityHashCode(key);
        return (h ^ (h >>> 16)) & mask;
    }
}

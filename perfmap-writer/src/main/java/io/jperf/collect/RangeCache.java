package io.jperf.collect;

/**
 * What was found for ranges of addresses, kept by 64-byte granule in a direct-mapped table: an address inside a range
 * found before costs one probe instead of a search. Samples' leaf addresses differ from sample to sample but fall in
 * few functions, so a cache by exact address would miss them. Entries are immutable and written whole (one
 * reference), so a reader on another thread sees an entry or the one it replaced, never a mix.
 */
public final class RangeCache<E extends RangeCache.Range> {
    /** An address range, [start, end). */
    public interface Range {
        long start();

        long end();
    }

    private static final int GRANULE_BITS = 6;
    /** A range takes at most this many slots around the address it was found for: a long one does not flush all. */
    private static final int MAX_SLOTS = 64;

    private final Range[] slots;

    /** A cache for a table of this many ranges (a library's functions): 256 to 8192 slots, as many as ranges. */
    public static <E extends Range> RangeCache<E> sizedFor(int ranges) {
        return new RangeCache<>(Math.max(256, Math.min(8192, Integer.highestOneBit(Math.max(1, ranges)))));
    }

    /** @param slots a power of two */
    public RangeCache(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("not a power of two: " + slots);
        }
        this.slots = new Range[slots];
    }

    /** The entry whose range holds {@code address}, or null. */
    @SuppressWarnings("unchecked")
    public E get(long address) {
        Range r = slots[slot(address >>> GRANULE_BITS)];
        return r != null && r.start() <= address && address < r.end() ? (E) r : null;
    }

    /** Remembers {@code entry}, found for {@code address}, for the granules of its range around it. */
    public void put(long address, E entry) {
        long granule = address >>> GRANULE_BITS;
        long from = Math.max(entry.start() >>> GRANULE_BITS, granule - MAX_SLOTS / 2);
        long to = Math.min((entry.end() - 1) >>> GRANULE_BITS, from + MAX_SLOTS - 1);
        for (long g = from; g <= to; g++) {
            slots[slot(g)] = entry;
        }
    }

    private int slot(long granule) {
        return (int) granule & (slots.length - 1);
    }
}

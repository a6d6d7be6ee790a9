package io.jperf.collect;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RangeCacheTest {
    private record R(long start, long end) implements RangeCache.Range {
    }

    @Test
    void anAddressInARangeFoundBeforeHitsOthersMiss() {
        RangeCache<R> cache = new RangeCache<>(64);
        R f = new R(0x1000, 0x17f0);
        assertNull(cache.get(0x1100));
        cache.put(0x1100, f);
        assertSame(f, cache.get(0x1000));
        assertSame(f, cache.get(0x17ef));
        assertNull(cache.get(0x17f0), "the end is outside");
        assertNull(cache.get(0x0fff));
        R g = new R(0x17f0, 0x1810);
        cache.put(0x17f0, g);
        assertSame(g, cache.get(0x180f));
        assertNull(cache.get(0x17c0), "the granule f and g share now answers for g only");
        assertSame(f, cache.get(0x1100));
    }

    /**
     * Random ranges, some long, and probes: a hit is always the range holding the address, and once warm, addresses in
     * 40 hot functions of a few hundred bytes, side by side, hit.
     */
    @Test
    void hitsAreAlwaysTheRangeHoldingTheAddress() {
        RangeCache<R> cache = new RangeCache<>(1024);
        Random random = new Random(3);
        R[] ranges = new R[500];
        long at = 0x400000;
        for (int i = 0; i < ranges.length; i++) {
            long size = 1 + random.nextInt(i >= 40 && i % 10 == 0 ? 100_000 : 600);
            ranges[i] = new R(at, at + size);
            at += size + random.nextInt(64);
        }
        int hot = 0;
        int hotHits = 0;
        for (int probe = 0; probe < 200_000; probe++) {
            int i = random.nextInt(probe < 100_000 ? ranges.length : 40);
            R r = ranges[i];
            long address = r.start() + (long) (random.nextDouble() * (r.end() - r.start()));
            R got = cache.get(address);
            if (got == null) {
                cache.put(address, r);
            } else {
                assertSame(r, got, "address " + Long.toHexString(address));
            }
            if (probe >= 110_000) {
                hot++;
                hotHits += got != null ? 1 : 0;
            }
        }
        assertTrue(hotHits > 0.95 * hot, "hits: " + hotHits + " of " + hot);
    }
}

package io.jperf.collect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LongSortedMapTest {
    @Test
    void answersAsATreeMapDoesThroughSplitsAndEmptiedChunks() {
        Random random = new Random(42);
        LongSortedMap<String> map = new LongSortedMap<>();
        TreeMap<Long, String> truth = new TreeMap<>();
        for (int round = 0; round < 200_000; round++) {
            // Phases of mostly inserting and mostly removing, so that chunks split and empty many times.
            boolean growing = (round / 20_000) % 2 == 0;
            long key = random.nextInt(4 * LongSortedMap.CHUNK * 20) - 100L;
            int op = random.nextInt(10);
            if (op < (growing ? 6 : 2)) {
                String value = "v" + round;
                assertEquals(truth.put(key, value), map.put(key, value), "put " + key);
            } else if (op < 8) {
                assertEquals(truth.remove(key), map.remove(key), "remove " + key);
            } else {
                assertEquals(truth.get(key), map.get(key), "get " + key);
                Map.Entry<Long, String> floor = truth.floorEntry(key);
                assertEquals(floor == null ? null : floor.getValue(), map.floor(key), "floor " + key);
                long to = key + random.nextInt(300);
                assertEquals(new ArrayList<>(truth.subMap(key, true, to, false).values()), map.range(key, to),
                        "range " + key + ".." + to);
            }
            assertEquals(truth.size(), map.size());
        }
        assertEquals(new ArrayList<>(truth.values()), map.values());
    }

    @Test
    void anEmptyMapAndKeysBelowAll() {
        LongSortedMap<String> map = new LongSortedMap<>();
        assertNull(map.get(5));
        assertNull(map.floor(5));
        assertEquals(List.of(), map.range(0, 10));
        assertNull(map.remove(5));
        for (long k = 1000; k > 0; k -= 3) {
            map.put(k, "k" + k); // descending: every insertion at the front, splitting the first chunk
        }
        assertNull(map.floor(0));
        assertEquals("k1", map.floor(2));
        assertEquals("k1000", map.floor(Long.MAX_VALUE));
        assertEquals(List.of("k4", "k7"), map.range(2, 10));
        assertEquals(334, map.values().size());
    }
}

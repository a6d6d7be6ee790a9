package io.jperf.collect;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LongMapTest {
    @Test
    void behavesLikeAHashMapUnderRandomOperations() {
        LongMap<Long> ours = new LongMap<>();
        Map<Long, Long> reference = new HashMap<>();
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            long key = 1 + random.nextInt(5_000);
            if (i % 50_000 == 25_000) {
                ours.ensureCapacity(reference.size() + random.nextInt(20_000)); // a table grown at once keeps all
            }
            switch (random.nextInt(3)) {
                case 0:
                    ours.put(key, (long) i);
                    reference.put(key, (long) i);
                    break;
                case 1:
                    assertEquals(reference.remove(key), ours.remove(key));
                    break;
                default:
                    assertEquals(reference.get(key), ours.get(key));
            }
            assertEquals(reference.size(), ours.size());
        }
    }

    @Test
    void reservedKeysAreRejected() {
        LongMap<String> map = new LongMap<>();
        assertThrows(IllegalArgumentException.class, () -> map.put(0, "x"));
        assertThrows(IllegalArgumentException.class, () -> map.get(Long.MIN_VALUE));
    }
}

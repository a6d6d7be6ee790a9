package io.jperf.collect;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SortingTest {
    @Test
    void ordersUnsignedAndStably() {
        Random random = new Random(3);
        for (int n : new int[] {0, 1, 2, 3, 17, 1000, 4097}) {
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) {
                keys[i] = random.nextInt(50) - 25L; // duplicates, and negatives that sort last unsigned
            }
            int[] order = Sorting.orderUnsigned(keys, n);
            assertEquals(n, order.length);
            for (int i = 1; i < n; i++) {
                int c = Long.compareUnsigned(keys[order[i - 1]], keys[order[i]]);
                assertTrue(c < 0 || c == 0 && order[i - 1] < order[i], "at " + i);
            }
        }
    }
}

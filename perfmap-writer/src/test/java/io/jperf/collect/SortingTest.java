package io.jperf.collect;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SortingTest {
    @Test
    void sortsParallelArraysInPlaceUnsignedWithATieBreak() {
        Random random = new Random(3);
        for (int n : new int[] {0, 1, 2, 3, 17, 1000, 4097}) {
            long[] keys = new long[n];
            int[] payload = new int[n];
            for (int i = 0; i < n; i++) {
                keys[i] = random.nextInt(50) - 25L; // duplicates, and negatives that sort last unsigned
                payload[i] = i;
            }
            long[] original = keys.clone();
            Integer[] expected = new Integer[n];
            Arrays.setAll(expected, i -> i);
            Arrays.sort(expected, (a, b) -> {
                int c = Long.compareUnsigned(original[a], original[b]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            Sorting.sort(n, new Sorting.Rows() {
                @Override
                public int compare(int i, int j) {
                    int c = Long.compareUnsigned(keys[i], keys[j]);
                    return c != 0 ? c : Integer.compare(payload[i], payload[j]);
                }

                @Override
                public void swap(int i, int j) {
                    long k = keys[i];
                    keys[i] = keys[j];
                    keys[j] = k;
                    Sorting.swap(payload, i, j);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals((int) expected[i], payload[i], "n=" + n + " at " + i);
                assertEquals(original[payload[i]], keys[i]);
            }
        }
    }
}

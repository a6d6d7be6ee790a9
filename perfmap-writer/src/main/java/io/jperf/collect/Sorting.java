package io.jperf.collect;

/** Sorting of parallel arrays in place: no boxing, no index arrays, no copies. */
public final class Sorting {
    private Sorting() {
    }

    /** Rows 0..n of some parallel arrays, compared and swapped by index. */
    public interface Rows {
        /** Negative, zero or positive as row i orders before, with or after row j. */
        int compare(int i, int j);

        void swap(int i, int j);
    }

    /**
     * Sorts rows 0..n ascending by a heapsort: in place, O(n log n) at worst, not stable (give {@code compare} a
     * last tie-break where the order of equal rows matters).
     */
    public static void sort(int n, Rows rows) {
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(rows, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            rows.swap(0, end);
            siftDown(rows, 0, end);
        }
    }

    /** Swaps two elements of an array: the usual {@link Rows#swap} of one parallel array. */
    public static void swap(int[] array, int i, int j) {
        int t = array[i];
        array[i] = array[j];
        array[j] = t;
    }

    private static void siftDown(Rows rows, int root, int n) {
        while (true) {
            int child = 2 * root + 1;
            if (child >= n) {
                return;
            }
            if (child + 1 < n && rows.compare(child, child + 1) < 0) {
                child++;
            }
            if (rows.compare(root, child) >= 0) {
                return;
            }
            rows.swap(root, child);
            root = child;
        }
    }
}

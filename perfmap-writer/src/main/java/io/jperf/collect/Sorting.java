package io.jperf.collect;

/** Sorting without boxing. */
public final class Sorting {
    private Sorting() {
    }

    /**
     * The permutation that orders {@code keys[0..n)} ascending (unsigned), stable: a merge sort of indices.
     */
    public static int[] orderUnsigned(long[] keys, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int[] buffer = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                if (Long.compareUnsigned(keys[order[mid - 1]], keys[order[mid]]) <= 0) {
                    continue; // already in order: common for kernel and ELF symbol tables
                }
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    buffer[k++] = Long.compareUnsigned(keys[order[j]], keys[order[i]]) < 0 ? order[j++] : order[i++];
                }
                while (i < mid) {
                    buffer[k++] = order[i++];
                }
                while (j < hi) {
                    buffer[k++] = order[j++];
                }
                System.arraycopy(buffer, lo, order, lo, hi - lo);
            }
        }
        return order;
    }
}

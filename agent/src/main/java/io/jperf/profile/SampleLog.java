package io.jperf.profile;

import java.util.Arrays;

/**
 * Every sample in order — time, thread, stack (a {@link CallTree} node) and weight — for the data file and
 * {@code script}. Bounded: past {@link #capacity} samples are counted but not kept.
 */
public final class SampleLog {
    private final int capacity;
    private long[] times = new long[4096];
    private int[] tids = new int[4096];
    private int[] nodes = new int[4096];
    private long[] weights = new long[4096];
    private int size;
    private long dropped;

    public SampleLog(int capacity) {
        this.capacity = capacity;
    }

    public void add(long time, int tid, int node, long weight) {
        if (size == capacity) {
            dropped++;
            return;
        }
        if (size == times.length) {
            int n = Math.min(capacity, size * 2);
            times = Arrays.copyOf(times, n);
            tids = Arrays.copyOf(tids, n);
            nodes = Arrays.copyOf(nodes, n);
            weights = Arrays.copyOf(weights, n);
        }
        times[size] = time;
        tids[size] = tid;
        nodes[size] = node;
        weights[size] = weight;
        size++;
    }

    public int size() {
        return size;
    }

    /** Samples not kept because the log was full. */
    public long dropped() {
        return dropped;
    }

    public long time(int i) {
        return times[i];
    }

    public int tid(int i) {
        return tids[i];
    }

    public int node(int i) {
        return nodes[i];
    }

    public long weight(int i) {
        return weights[i];
    }

    /** A copy whose nodes are translated through {@code nodeMap} (old node → new node). */
    SampleLog remap(int[] nodeMap) {
        SampleLog c = copy();
        for (int i = 0; i < c.size; i++) {
            c.nodes[i] = nodeMap[c.nodes[i]];
        }
        return c;
    }

    /** A copy for output. */
    public SampleLog copy() {
        SampleLog c = new SampleLog(capacity);
        c.times = Arrays.copyOf(times, size);
        c.tids = Arrays.copyOf(tids, size);
        c.nodes = Arrays.copyOf(nodes, size);
        c.weights = Arrays.copyOf(weights, size);
        c.size = size;
        c.dropped = dropped;
        return c;
    }
}

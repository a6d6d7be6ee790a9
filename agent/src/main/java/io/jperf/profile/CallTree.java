package io.jperf.profile;

import io.jperf.collect.LongIntMap;

import java.util.Arrays;

/**
 * Stacks as a tree of frame ids: node 0 is the root, each other node a frame under its parent. A sample adds its
 * count and weight (the event's period, e.g. nanoseconds of CPU) to the node of its leaf frame: self values; totals
 * are sums over subtrees. Appended to by one thread.
 */
public final class CallTree {
    private int[] parents = new int[1024];
    private int[] frames = new int[1024];
    private long[] samples = new long[1024];
    private long[] weights = new long[1024];
    private int size = 1;
    private final LongIntMap children = new LongIntMap();

    public CallTree() {
        parents[0] = -1;
        frames[0] = -1;
    }

    /** The child of {@code parent} for {@code frame}, made if new. */
    public int child(int parent, int frame) {
        long key = ((long) parent << 32) | (frame & 0xFFFF_FFFFL);
        int node = children.get(key, -1);
        if (node < 0) {
            if (size == parents.length) {
                int n = size * 2;
                parents = Arrays.copyOf(parents, n);
                frames = Arrays.copyOf(frames, n);
                samples = Arrays.copyOf(samples, n);
                weights = Arrays.copyOf(weights, n);
            }
            node = size++;
            parents[node] = parent;
            frames[node] = frame;
            children.put(key, node);
        }
        return node;
    }

    public void add(int node, long count, long weight) {
        samples[node] += count;
        weights[node] += weight;
    }

    public int size() {
        return size;
    }

    public int parent(int node) {
        return parents[node];
    }

    public int frame(int node) {
        return frames[node];
    }

    /** Samples whose leaf is this node. */
    public long selfSamples(int node) {
        return samples[node];
    }

    public long selfWeight(int node) {
        return weights[node];
    }

    /** A copy for output while this tree keeps growing. */
    public CallTree copy() {
        CallTree c = new CallTree();
        c.parents = Arrays.copyOf(parents, size);
        c.frames = Arrays.copyOf(frames, size);
        c.samples = Arrays.copyOf(samples, size);
        c.weights = Arrays.copyOf(weights, size);
        c.size = size;
        return c;
    }

    /** The frames from the root's child down to {@code node}. */
    public int[] path(int node) {
        int depth = 0;
        for (int n = node; n > 0; n = parents[n]) {
            depth++;
        }
        int[] path = new int[depth];
        for (int n = node, i = depth - 1; n > 0; n = parents[n], i--) {
            path[i] = frames[n];
        }
        return path;
    }
}

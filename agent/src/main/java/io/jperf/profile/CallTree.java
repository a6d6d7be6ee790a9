package io.jperf.profile;

import io.jperf.collect.LongIntMap;

import java.util.Arrays;

/**
 * Stacks as a tree of frame ids: node 0 is the root, each other node a frame under its parent. A sample adds its
 * count and weight (the event's period, e.g. nanoseconds of CPU) to the node of its leaf frame: self values; totals
 * are sums over subtrees. Appended to by one thread.
 */
public final class CallTree {
    /** Nodes are kept in blocks of 1 << BLOCK_BITS: the tree grows without copying (and leaving behind) what it holds. */
    private static final int BLOCK_BITS = 10;
    private static final int BLOCK = 1 << BLOCK_BITS;
    private static final int IN_BLOCK = BLOCK - 1;

    /** Each node's parent (high half) and frame (low half), the key of its entry in {@link #children}. */
    private long[][] links = new long[1][];
    private long[][] samples = new long[1][];
    private long[][] weights = new long[1][];
    private int size;
    private final LongIntMap children = new LongIntMap();

    public CallTree() {
        append(link(-1, -1));
    }

    /** The child of {@code parent} for {@code frame}, made if new. */
    public int child(int parent, int frame) {
        long link = link(parent, frame);
        int node = children.get(link, -1);
        if (node < 0) {
            node = append(link);
            children.put(link, node);
        }
        return node;
    }

    private static long link(int parent, int frame) {
        return ((long) parent << 32) | (frame & 0xFFFF_FFFFL);
    }

    private int append(long link) {
        int block = size >>> BLOCK_BITS;
        if (block == links.length) {
            links = Arrays.copyOf(links, block * 2);
            samples = Arrays.copyOf(samples, block * 2);
            weights = Arrays.copyOf(weights, block * 2);
        }
        if (links[block] == null) {
            links[block] = new long[BLOCK];
            samples[block] = new long[BLOCK];
            weights[block] = new long[BLOCK];
        }
        int node = size++;
        links[block][node & IN_BLOCK] = link;
        return node;
    }

    public void add(int node, long count, long weight) {
        samples[node >>> BLOCK_BITS][node & IN_BLOCK] += count;
        weights[node >>> BLOCK_BITS][node & IN_BLOCK] += weight;
    }

    public int size() {
        return size;
    }

    public int parent(int node) {
        return (int) (links[node >>> BLOCK_BITS][node & IN_BLOCK] >> 32);
    }

    public int frame(int node) {
        return (int) links[node >>> BLOCK_BITS][node & IN_BLOCK];
    }

    /** Samples whose leaf is this node. */
    public long selfSamples(int node) {
        return samples[node >>> BLOCK_BITS][node & IN_BLOCK];
    }

    public long selfWeight(int node) {
        return weights[node >>> BLOCK_BITS][node & IN_BLOCK];
    }

    /** A copy for output while this tree keeps growing. */
    public CallTree copy() {
        CallTree c = new CallTree();
        c.links = copy(links);
        c.samples = copy(samples);
        c.weights = copy(weights);
        c.size = size;
        return c;
    }

    private static long[][] copy(long[][] blocks) {
        long[][] c = blocks.clone();
        for (int b = 0; b < c.length && c[b] != null; b++) {
            c[b] = c[b].clone();
        }
        return c;
    }

    /** The frames from the root's child down to {@code node}. */
    public int[] path(int node) {
        int depth = 0;
        for (int n = node; n > 0; n = parent(n)) {
            depth++;
        }
        int[] path = new int[depth];
        for (int n = node, i = depth - 1; n > 0; n = parent(n), i--) {
            path[i] = frame(n);
        }
        return path;
    }
}

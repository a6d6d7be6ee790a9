package io.jperf.profile;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CallTreeTest {
    /** Ten thousand nodes span many blocks: each keeps its parent, frame and values, and a copy stands still. */
    @Test
    void nodesAcrossBlocksKeepTheirLinksAndValues() {
        CallTree tree = new CallTree();
        Random random = new Random(5);
        int[] parents = new int[10_001];
        int[] frames = new int[10_001];
        for (int n = 1; n <= 10_000; n++) {
            int parent = random.nextInt(n);
            int frame = random.nextInt(1 << 20) - 1;
            int node = tree.child(parent, frame);
            assertEquals(node, tree.child(parent, frame), "found, not made again");
            parents[node] = parent;
            frames[node] = frame;
            tree.add(node, node % 7, 1_000L * node);
        }
        CallTree copy = tree.copy();
        tree.add(tree.child(9_999, 1), 1, 1);
        assertEquals(10_002, tree.size());
        assertEquals(10_001, copy.size());
        for (int n = 1; n < copy.size(); n++) {
            assertEquals(parents[n], copy.parent(n), "parent of " + n);
            assertEquals(frames[n], copy.frame(n), "frame of " + n);
            assertEquals(n % 7, copy.selfSamples(n));
            assertEquals(1_000L * n, copy.selfWeight(n));
        }
        assertEquals(-1, tree.parent(0));
        int leaf = tree.size() - 1;
        assertArrayEquals(new int[] {frames[9_999], 1}, java.util.Arrays.copyOfRange(tree.path(leaf),
                tree.path(leaf).length - 2, tree.path(leaf).length));
    }
}

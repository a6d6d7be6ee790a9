package io.jperf.profile;

import io.jperf.stack.FrameKind;
import io.jperf.stack.FrameTable;

import java.util.Map;

/**
 * A profile as outputs see it: frames, the call tree (first level: one frame per thread, or with several events one
 * per event and then threads), the samples in order when they were kept, and facts about the recording (event,
 * interval, mode, lost samples...) as ordered key/values.
 */
public record Profile(FrameTable.View frames, CallTree tree, SampleLog samples, Map<String, String> info) {
    /** The same profile with the thread level merged away: stacks of all threads together. */
    public Profile withoutThreads() {
        CallTree merged = new CallTree();
        int[] map = new int[tree.size()];
        for (int node = 1; node < tree.size(); node++) {
            int parent = tree.parent(node);
            map[node] = frames.kind(tree.frame(node)) == FrameKind.THREAD ? map[parent]
                    : merged.child(map[parent], tree.frame(node));
            merged.add(map[node], tree.selfSamples(node), tree.selfWeight(node));
        }
        int[] nodeMap = map;
        SampleLog log = samples;
        return new Profile(frames, merged, log == null ? null : log.remap(nodeMap), info);
    }

    /** Sum of self values below each node, samples and weights: index = node. */
    public long[][] totals() {
        int n = tree.size();
        long[] samples = new long[n];
        long[] weights = new long[n];
        for (int i = n - 1; i >= 0; i--) {
            samples[i] += tree.selfSamples(i);
            weights[i] += tree.selfWeight(i);
            if (i > 0) {
                samples[tree.parent(i)] += samples[i];
                weights[tree.parent(i)] += weights[i];
            }
        }
        return new long[][] {samples, weights};
    }
}

package io.jperf.output;

import io.jperf.perfmap.NameStyle;
import io.jperf.profile.CallTree;
import io.jperf.profile.Profile;
import io.jperf.stack.FrameKind;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A text report in the manner of {@code perf report --stdio}: a header with the facts of the recording, then
 * functions bottom-up (by self samples, with the total of the samples they appear in), then the call tree top-down
 * (callers first, children by total), cut below a percentage. With several events, one such section per event,
 * its percentages of that event's samples.
 */
public final class TextReport {
    private static final double TREE_CUTOFF_PERCENT = 0.5;
    private static final int MAX_FUNCTIONS = 100;

    private TextReport() {
    }

    public static void write(Profile profile, NameStyle style, Writer out) throws IOException {
        CallTree tree = profile.tree();
        long[] totals = profile.totals()[0];
        long all = totals[0];
        out.write("# jperf report\n");
        for (Map.Entry<String, String> e : profile.info().entrySet()) {
            out.write("# " + e.getKey() + ": " + e.getValue() + "\n");
        }
        out.write("#\n");
        if (all == 0) {
            out.write("# no samples\n");
            return;
        }
        String[] names = new String[profile.frames().size()];
        for (int f = 0; f < names.length; f++) {
            names[f] = profile.frames().name(f, style);
        }
        List<List<Integer>> children = children(tree);
        List<Integer> sections = new ArrayList<>();
        for (int child : children.get(0)) {
            if (profile.frames().kind(tree.frame(child)) == FrameKind.EVENT) {
                sections.add(child);
            }
        }
        if (sections.isEmpty()) {
            section(tree, children, totals, 0, names, out);
            return;
        }
        for (int root : sections) {
            out.write("\n# ==== " + names[tree.frame(root)] + ": " + totals[root] + " samples ====\n#\n");
            if (totals[root] > 0) {
                section(tree, children, totals, root, names, out);
            }
        }
    }

    private static void section(CallTree tree, List<List<Integer>> children, long[] totals, int root,
            String[] names, Writer out) throws IOException {
        bottomUp(tree, children, totals, root, names, out);
        out.write("\n# Top-down (callers first; total %, self %), frames under "
                + TREE_CUTOFF_PERCENT + "% of all samples left out\n#\n");
        topDown(tree, children, totals, root, names, out);
    }

    /** Per function: self samples and the samples whose stack contains it (counted once per sample). */
    private static void bottomUp(CallTree tree, List<List<Integer>> children, long[] totals, int root, String[] names,
            Writer out) throws IOException {
        long all = totals[root];
        int frameCount = names.length;
        long[] self = new long[frameCount];
        long[] total = new long[frameCount];
        int[] onPath = new int[frameCount];
        // Depth-first with the frames on the current path counted, so a recursive function's subtree counts once.
        int[] stack = new int[tree.size() * 2 + 2];
        int top = 0;
        stack[top++] = root;
        while (top > 0) {
            int entry = stack[--top];
            int node = entry >= 0 ? entry : ~entry;
            int frame = tree.frame(node);
            if (entry < 0) {
                if (frame >= 0) {
                    onPath[frame]--;
                }
                continue;
            }
            if (frame >= 0) {
                self[frame] += tree.selfSamples(node);
                if (onPath[frame]++ == 0) {
                    total[frame] += totals[node];
                }
            }
            stack[top++] = ~node;
            for (int child : children.get(node)) {
                stack[top++] = child;
            }
        }
        Integer[] order = new Integer[frameCount];
        for (int f = 0; f < frameCount; f++) {
            order[f] = f;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(f -> -self[f]).thenComparingLong(f -> -total[f])
                .thenComparing(f -> names[f]));
        out.write("# Bottom-up (by self samples)\n#\n#    Self    Total  Samples  Function\n");
        int shown = 0;
        for (int f : order) {
            if (self[f] == 0 || shown++ == MAX_FUNCTIONS) {
                break;
            }
            out.write(String.format(Locale.ROOT, "%8.2f%% %7.2f%% %8d  %s%n", 100.0 * self[f] / all,
                    100.0 * total[f] / all, self[f], names[f]));
        }
    }

    private static void topDown(CallTree tree, List<List<Integer>> children, long[] totals, int root, String[] names,
            Writer out) throws IOException {
        long all = totals[root];
        for (List<Integer> c : children) {
            c.sort(Comparator.<Integer>comparingLong(n -> -totals[n]).thenComparing(n -> names[tree.frame(n)]));
        }
        long cutoff = (long) Math.ceil(all * TREE_CUTOFF_PERCENT / 100);
        int[] stack = new int[tree.size() + 1];
        int[] depths = new int[tree.size() + 1];
        int top = 0;
        List<Integer> first = children.get(root);
        for (int i = first.size() - 1; i >= 0; i--) {
            stack[top] = first.get(i);
            depths[top++] = 0;
        }
        while (top > 0) {
            int node = stack[--top];
            int depth = depths[top];
            if (totals[node] < cutoff) {
                continue;
            }
            out.write(String.format(Locale.ROOT, "%8.2f%% %7.2f%%  %s%s%n", 100.0 * totals[node] / all,
                    100.0 * tree.selfSamples(node) / all, "  ".repeat(depth), names[tree.frame(node)]));
            List<Integer> c = children.get(node);
            for (int i = c.size() - 1; i >= 0; i--) {
                stack[top] = c.get(i);
                depths[top++] = depth + 1;
            }
        }
    }

    static List<List<Integer>> children(CallTree tree) {
        List<List<Integer>> children = new ArrayList<>(tree.size());
        for (int i = 0; i < tree.size(); i++) {
            children.add(new ArrayList<>(2));
        }
        for (int node = 1; node < tree.size(); node++) {
            children.get(tree.parent(node)).add(node);
        }
        return children;
    }
}

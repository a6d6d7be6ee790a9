package io.jperf.output;

import io.jperf.perfmap.NameStyle;
import io.jperf.profile.CallTree;
import io.jperf.profile.Profile;
import io.jperf.stack.FrameKind;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML flame graph: the page (canvas drawing, zoom, regex search with the matched share, tooltips,
 * colours by frame kind) with the profile embedded as JSON — frame names once, and the tree in pre-order as
 * {frame, total, self, children} quadruples, children in name order as flamegraph.pl sorts them.
 * {@code #search=REGEX} in the URL searches on load.
 */
public final class FlameGraph {
    private static final String TEMPLATE = template();
    private static final String PLACEHOLDER = "/*DATA*/null";

    private FlameGraph() {
    }

    private static String template() {
        try (InputStream in = FlameGraph.class.getResourceAsStream("flamegraph.html")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Profile profile, NameStyle style, String title, Writer out) throws IOException {
        int at = TEMPLATE.indexOf(PLACEHOLDER);
        out.write(TEMPLATE, 0, at);
        writeData(profile, style, title, out);
        out.write(TEMPLATE, at + PLACEHOLDER.length(), TEMPLATE.length() - at - PLACEHOLDER.length());
    }

    private static void writeData(Profile profile, NameStyle style, String title, Writer out) throws IOException {
        int frameCount = profile.frames().size();
        String[] names = new String[frameCount];
        StringBuilder kinds = new StringBuilder(frameCount);
        for (int f = 0; f < frameCount; f++) {
            names[f] = profile.frames().name(f, style);
            kinds.append(kindCode(profile.frames().kind(f)));
        }
        out.write("{\"title\":");
        string(title, out);
        out.write(",\"info\":[");
        boolean first = true;
        for (Map.Entry<String, String> e : profile.info().entrySet()) {
            out.write(first ? "[" : ",[");
            first = false;
            string(e.getKey(), out);
            out.write(',');
            string(e.getValue(), out);
            out.write(']');
        }
        out.write("],\"frames\":[");
        for (int f = 0; f < frameCount; f++) {
            if (f > 0) {
                out.write(',');
            }
            string(names[f], out);
        }
        out.write("],\"kinds\":");
        string(kinds.toString(), out);
        out.write(",\"tree\":[");
        CallTree tree = profile.tree();
        long[] totals = profile.totals()[0];
        List<List<Integer>> children = TextReport.children(tree);
        for (List<Integer> c : children) {
            c.sort(Comparator.comparing(n -> names[tree.frame(n)]));
        }
        int[] stack = new int[tree.size()];
        int top = 0;
        stack[top++] = 0;
        boolean firstNode = true;
        StringBuilder sb = new StringBuilder(64);
        while (top > 0) {
            int node = stack[--top];
            List<Integer> c = children.get(node);
            sb.setLength(0);
            if (!firstNode) {
                sb.append(',');
            }
            firstNode = false;
            sb.append(tree.frame(node)).append(',').append(totals[node]).append(',').append(tree.selfSamples(node))
                    .append(',').append(c.size());
            out.append(sb);
            for (int i = c.size() - 1; i >= 0; i--) {
                stack[top++] = c.get(i);
            }
        }
        out.write("]}");
    }

    private static char kindCode(FrameKind kind) {
        switch (kind) {
            case THREAD: return 't';
            case KERNEL: return 'k';
            case NATIVE: return 'n';
            case STUB: return 's';
            case INTERPRETED: return '0';
            case COMPILED: return 'j';
            case INLINED: return 'i';
            case EVENT: return 'e';
            default: return 'u';
        }
    }

    /** A JSON string that is also safe inside a script element. */
    private static void string(String s, Writer out) throws IOException {
        out.write('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.write("\\\"");
                    break;
                case '\\':
                    out.write("\\\\");
                    break;
                case '<':
                    out.write("\\u003c");
                    break;
                case '\n':
                    out.write("\\n");
                    break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.write(String.format("\\u%04x", (int) c));
                    } else {
                        out.write(c);
                    }
            }
        }
        out.write('"');
    }
}

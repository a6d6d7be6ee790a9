package io.jperf.output;

import io.jperf.perfmap.NameStyle;
import io.jperf.profile.CallTree;
import io.jperf.profile.Profile;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Collapsed stacks, the format of flamegraph.pl and speedscope: one line per distinct stack, frames from the root
 * to the leaf separated by ';', then a space and the number of samples. Sorted, so equal profiles give equal files.
 */
public final class Collapsed {
    private Collapsed() {
    }

    public static void write(Profile profile, NameStyle style, Writer out) throws IOException {
        CallTree tree = profile.tree();
        String[] names = new String[profile.frames().size()];
        List<String> lines = new ArrayList<>();
        StringBuilder sb = new StringBuilder(256);
        for (int node = 1; node < tree.size(); node++) {
            long count = tree.selfSamples(node);
            if (count == 0) {
                continue;
            }
            sb.setLength(0);
            for (int frame : tree.path(node)) {
                if (sb.length() > 0) {
                    sb.append(';');
                }
                if (names[frame] == null) {
                    names[frame] = profile.frames().name(frame, style);
                }
                sb.append(names[frame]);
            }
            sb.append(' ').append(count);
            lines.add(sb.toString());
        }
        lines.sort(null);
        for (String line : lines) {
            out.write(line);
            out.write('\n');
        }
    }
}

package io.jperf.output;

import io.jperf.perfmap.NameStyle;
import io.jperf.profile.CallTree;
import io.jperf.profile.Profile;
import io.jperf.profile.SampleLog;
import io.jperf.stack.FrameKind;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;

/**
 * One block per sample, as {@code perf script} prints them: thread, tid, time in seconds (CLOCK_MONOTONIC), weight
 * and event, then the frames leaf first, one per line.
 */
public final class Script {
    private Script() {
    }

    /** Needs a profile whose samples were kept one by one (a data file recording) and whose tree has threads. */
    public static void write(Profile profile, NameStyle style, Writer out) throws IOException {
        SampleLog log = profile.samples();
        if (log == null) {
            throw new IOException("this profile kept no samples one by one: record to a .data file for script");
        }
        CallTree tree = profile.tree();
        String event = profile.info().getOrDefault("event", "samples");
        String[] names = new String[profile.frames().size()];
        StringBuilder sb = new StringBuilder(1024);
        for (int i = 0; i < log.size(); i++) {
            int[] path = tree.path(log.node(i));
            // The path starts with the event's section frame when there are several events, then the thread.
            int first = 0;
            String sampleEvent = event;
            if (path.length > 0 && profile.frames().kind(path[0]) == FrameKind.EVENT) {
                sampleEvent = bare(name(profile, style, names, path[0]));
                first = 1;
            }
            sb.setLength(0);
            String thread = path.length > first ? name(profile, style, names, path[first]) : "[unknown]";
            sb.append(threadName(thread)).append(' ').append(log.tid(i)).append(' ')
                    .append(String.format(Locale.ROOT, "%.6f", log.time(i) / 1e9)).append(": ")
                    .append(log.weight(i)).append(' ').append(sampleEvent).append(":\n");
            for (int f = path.length - 1; f > first; f--) {
                sb.append('\t').append(name(profile, style, names, path[f])).append('\n');
            }
            sb.append('\n');
            out.append(sb);
        }
    }

    /** "[page-faults]" → "page-faults". */
    private static String bare(String frame) {
        return frame.startsWith("[") && frame.endsWith("]") ? frame.substring(1, frame.length() - 1) : frame;
    }

    private static String name(Profile profile, NameStyle style, String[] names, int frame) {
        if (names[frame] == null) {
            names[frame] = profile.frames().name(frame, style);
        }
        return names[frame];
    }

    /** "[worker-1 tid=42]" → "worker-1". */
    private static String threadName(String frame) {
        int end = frame.lastIndexOf(" tid=");
        return frame.startsWith("[") && end > 0 ? frame.substring(1, end) : frame;
    }
}

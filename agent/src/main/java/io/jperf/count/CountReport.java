package io.jperf.count;

import io.jperf.perf.EventSpec;

import java.io.IOException;
import java.io.Writer;
import java.util.Locale;

/**
 * Counter values as text in the manner of {@code perf stat}: one line per event with its rate (clocks in msec with
 * the CPUs they kept busy), the share of time a multiplexed counter ran, then optionally one row per thread.
 */
public final class CountReport {
    private CountReport() {
    }

    public static void write(Counters.Reading r, String subject, boolean perThread, Writer out) throws IOException {
        double seconds = r.elapsedNanos() / 1e9;
        out.write(String.format(Locale.ROOT, "%n Performance counter stats for %s%s:%n%n", subject,
                r.kernel() ? "" : " (user space only)"));
        for (int i = 0; i < r.events().size(); i++) {
            EventSpec e = r.events().get(i);
            Counters.Value v = r.totals()[i];
            if (!v.supported()) {
                out.write(String.format(Locale.ROOT, " %18s      %-32s%n", "<not supported>", e.name()));
                continue;
            }
            String line;
            if (e.isClock()) {
                double ms = v.count() / 1e6;
                line = String.format(Locale.ROOT, " %18s msec %-32s #  %8.3f CPUs utilized", decimal(ms), e.name(),
                        ms / 1e3 / Math.max(seconds, 1e-9));
            } else {
                line = String.format(Locale.ROOT, " %18s      %-32s #  %s/sec", grouped(v.count()), e.name(),
                        rate(v.count() / Math.max(seconds, 1e-9)));
            }
            if (v.runningShare() < 0.9999) {
                line += String.format(Locale.ROOT, "  (%.2f%%, scaled)", 100 * v.runningShare());
            }
            out.write(line + "\n");
        }
        out.write(String.format(Locale.ROOT, "%n %18.9f seconds time elapsed%n", seconds));
        if (perThread) {
            threads(r, out);
        }
    }

    private static void threads(Counters.Reading r, Writer out) throws IOException {
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%n %-28s %8s", "thread", "tid"));
        for (EventSpec e : r.events()) {
            header.append(String.format(Locale.ROOT, " %18s", e.name()));
        }
        out.write(header + "\n");
        long[] attributed = new long[r.events().size()];
        for (Counters.ThreadRow row : r.threads()) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, " %-28s %8d", row.name(), row.tid()));
            for (int i = 0; i < row.counts().length; i++) {
                sb.append(String.format(Locale.ROOT, " %18s", count(r.events().get(i), row.counts()[i])));
                attributed[i] += row.counts()[i];
            }
            out.write(sb + "\n");
        }
        StringBuilder rest = new StringBuilder(String.format(Locale.ROOT, " %-28s %8s", "(before jperf saw them)", ""));
        for (int i = 0; i < attributed.length; i++) {
            long left = r.totals()[i].supported() ? Math.max(0, r.totals()[i].count() - attributed[i]) : 0;
            rest.append(String.format(Locale.ROOT, " %18s", count(r.events().get(i), left)));
        }
        out.write(rest + "\n");
    }

    private static String count(EventSpec e, long value) {
        return e.isClock() ? decimal(value / 1e6) + " ms" : grouped(value);
    }

    private static String grouped(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String decimal(double value) {
        return String.format(Locale.ROOT, "%,.2f", value);
    }

    private static String rate(double perSecond) {
        if (perSecond >= 1e9) {
            return String.format(Locale.ROOT, "%8.3f G", perSecond / 1e9);
        }
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%8.3f M", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%8.3f K", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%8.3f ", perSecond);
    }
}

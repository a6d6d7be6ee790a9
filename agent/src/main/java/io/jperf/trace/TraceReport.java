package io.jperf.trace;

import io.jperf.linux.Libc;
import io.jperf.perf.TraceFs;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A syscall trace as text in the manner of {@code perf trace}: one line per call with its start (ms since the first
 * event), duration, thread, arguments and result, and the Java stack under it when kept; or, as {@code perf trace -s},
 * a summary per call for the process and per thread, with latency percentiles.
 */
public final class TraceReport {
    /** Names a kept callchain: its frames, innermost first. */
    public interface StackNamer {
        List<String> frames(long[] chain, int from, int length, long time);
    }

    private TraceReport() {
    }

    public static void write(SyscallTracer.Trace trace, SyscallTable table, Map<String, String> info, boolean summary,
            StackNamer stacks, Writer out) throws IOException {
        out.write("# jperf trace\n");
        for (Map.Entry<String, String> e : info.entrySet()) {
            out.write("# " + e.getKey() + ": " + e.getValue() + "\n");
        }
        out.write(String.format(Locale.ROOT, "# calls: %d, listed: %d, exits of calls begun before tracing: %d,"
                + " still in progress: %d%n#%n", trace.calls(), trace.log().size, trace.unmatchedExits(),
                trace.inProgress()));
        if (summary) {
            summary(trace, table, out);
        } else {
            calls(trace, table, stacks, out);
        }
    }

    private static void calls(SyscallTracer.Trace trace, SyscallTable table, StackNamer stacks, Writer out)
            throws IOException {
        SyscallTracer.CallLog log = trace.log();
        StringBuilder sb = new StringBuilder(256);
        for (int i = 0; i < log.size; i++) {
            sb.setLength(0);
            int nr = log.nr[i];
            sb.append(String.format(Locale.ROOT, "%10.3f (%7.3f ms): %s/%d %s(", (log.start[i] - trace.firstTime())
                    / 1e6, log.duration[i] / 1e6, thread(trace, log.tid[i]), log.tid[i], table.name(nr)));
            List<TraceFs.Field> args = table.arguments(nr);
            for (int a = 0; a < args.size(); a++) {
                if (a > 0) {
                    sb.append(", ");
                }
                TraceFs.Field f = args.get(a);
                sb.append(f.name()).append(": ").append(argument(f, log.args[6 * i + a]));
            }
            sb.append(") = ").append(result(log.ret[i], table)).append('\n');
            if (log.chainLength[i] > 0 && stacks != null) {
                for (String frame : stacks.frames(log.chains, log.chainAt[i], log.chainLength[i], log.start[i])) {
                    sb.append("                                       ").append(frame).append('\n');
                }
            }
            out.append(sb);
        }
        if (trace.notListed() > 0) {
            out.write("# " + trace.notListed() + " more calls not listed (the list is bounded); -s summarizes all\n");
        }
    }

    private static String argument(TraceFs.Field f, long value) {
        if (f.declaration().contains("*")) {
            return "0x" + Long.toHexString(value);
        }
        if (f.size() == 4) {
            return f.signed() ? Integer.toString((int) value) : Integer.toUnsignedString((int) value);
        }
        return f.signed() ? Long.toString(value) : Long.toUnsignedString(value);
    }

    private static String result(long ret, SyscallTable table) {
        if (ret < 0 && ret >= -4095) {
            int errno = (int) -ret;
            return "-1 " + table.errnoName(errno) + " (" + Libc.strerror(errno) + ")";
        }
        return ret > 0xffffffffL || ret < 0 ? "0x" + Long.toHexString(ret) : Long.toString(ret);
    }

    private static String thread(SyscallTracer.Trace trace, int tid) {
        String name = trace.threadNames().get(tid);
        return name == null ? "?" : name.replace(' ', '_');
    }

    private static void summary(SyscallTracer.Trace trace, SyscallTable table, Writer out) throws IOException {
        out.write(String.format(Locale.ROOT, " Summary of events, all threads: %d calls%n%n", trace.calls()));
        out.write("   syscall               calls  errors    total       min       avg       p50       p99"
                + "       max\n");
        out.write("                                          (msec)    (msec)    (msec)    (msec)    (msec)"
                + "    (msec)\n");
        out.write("   ------------------- -------- ------ --------- --------- --------- --------- ---------"
                + " ---------\n");
        for (Map.Entry<Integer, SyscallTracer.Summary> e : byTotal(trace.byCall())) {
            SyscallTracer.Summary s = e.getValue();
            out.write(String.format(Locale.ROOT, "   %-19s %8d %6d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f%n",
                    table.name(e.getKey()), s.calls(), s.errors(), ms(s.totalNanos()), ms(s.minNanos()),
                    ms(s.totalNanos() / Math.max(1, s.calls())), ms(s.percentile(0.5)), ms(s.percentile(0.99)),
                    ms(s.maxNanos())));
        }
        for (Map.Entry<Integer, String> thread : trace.threadNames().entrySet()) {
            int tid = thread.getKey();
            List<Map.Entry<Integer, SyscallTracer.Summary>> calls = new ArrayList<>();
            long total = 0;
            for (Map.Entry<Long, SyscallTracer.Summary> e : trace.byThreadCall().entrySet()) {
                if ((int) (e.getKey() >>> 32) == tid) {
                    calls.add(Map.entry((int) (long) e.getKey(), e.getValue()));
                    total += e.getValue().calls();
                }
            }
            if (calls.isEmpty()) {
                continue;
            }
            out.write(String.format(Locale.ROOT, "%n %s (%d), %d calls%n%n", thread.getValue(), tid, total));
            out.write("   syscall               calls  errors    total       min       avg       max\n");
            out.write("   ------------------- -------- ------ --------- --------- --------- ---------\n");
            calls.sort(Comparator.comparingLong(e -> -e.getValue().totalNanos()));
            for (Map.Entry<Integer, SyscallTracer.Summary> e : calls) {
                SyscallTracer.Summary s = e.getValue();
                out.write(String.format(Locale.ROOT, "   %-19s %8d %6d %9.3f %9.3f %9.3f %9.3f%n",
                        table.name(e.getKey()), s.calls(), s.errors(), ms(s.totalNanos()), ms(s.minNanos()),
                        ms(s.totalNanos() / Math.max(1, s.calls())), ms(s.maxNanos())));
            }
        }
    }

    /** Counts by call name, for stat: all threads, then each thread when asked. */
    public static void counts(SyscallTracer.Trace trace, SyscallTable table, java.util.function.Predicate<String> shown,
            boolean perThread, Writer out) throws IOException {
        out.write("\n System calls:\n\n");
        for (Map.Entry<Integer, SyscallTracer.Summary> e : byCalls(trace.byCall())) {
            String name = table.name(e.getKey());
            if (shown.test(name)) {
                out.write(String.format(Locale.ROOT, " %18s      %s%n", String.format(Locale.ROOT, "%,d",
                        e.getValue().calls()), name));
            }
        }
        if (!perThread) {
            return;
        }
        out.write("\n System calls by thread:\n");
        for (Map.Entry<Integer, String> thread : trace.threadNames().entrySet()) {
            Map<Integer, SyscallTracer.Summary> calls = new java.util.TreeMap<>();
            for (Map.Entry<Long, SyscallTracer.Summary> e : trace.byThreadCall().entrySet()) {
                if ((int) (e.getKey() >>> 32) == thread.getKey() && shown.test(table.name((int) (long) e.getKey()))) {
                    calls.put((int) (long) e.getKey(), e.getValue());
                }
            }
            if (calls.isEmpty()) {
                continue;
            }
            out.write(String.format(Locale.ROOT, "%n   %s (%d)%n", thread.getValue(), thread.getKey()));
            for (Map.Entry<Integer, SyscallTracer.Summary> e : byCalls(calls)) {
                out.write(String.format(Locale.ROOT, " %18s      %s%n", String.format(Locale.ROOT, "%,d",
                        e.getValue().calls()), table.name(e.getKey())));
            }
        }
    }

    private static List<Map.Entry<Integer, SyscallTracer.Summary>> byTotal(Map<Integer, SyscallTracer.Summary> m) {
        List<Map.Entry<Integer, SyscallTracer.Summary>> list = new ArrayList<>(m.entrySet());
        list.sort(Comparator.comparingLong(e -> -e.getValue().totalNanos()));
        return list;
    }

    private static List<Map.Entry<Integer, SyscallTracer.Summary>> byCalls(Map<Integer, SyscallTracer.Summary> m) {
        List<Map.Entry<Integer, SyscallTracer.Summary>> list = new ArrayList<>(m.entrySet());
        list.sort(Comparator.comparingLong(e -> -e.getValue().calls()));
        return list;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}

package io.jperf.agent;

import io.jperf.hotspot.JavaThreads;
import io.jperf.jit.CodeCacheTracker;
import io.jperf.jit.CodeListener;
import io.jperf.output.OutputFormat;
import io.jperf.perf.EventSpec;
import io.jperf.perf.PerfException;
import io.jperf.perf.Sampler;
import io.jperf.perf.SamplingEvent;
import io.jperf.perf.TraceFs;
import io.jperf.perfmap.NameStyle;
import io.jperf.stack.FrameTable;
import io.jperf.stack.StackResolver;
import io.jperf.trace.SyscallTable;
import io.jperf.trace.SyscallTracer;
import io.jperf.trace.TraceReport;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JVM's system calls, as {@code perf trace}: every {@code raw_syscalls:sys_enter} and {@code sys_exit} of its
 * threads, paired into calls with durations and results; {@code summary} for counts and latencies per call,
 * {@code stack} for the Java stack of each listed call.
 */
final class TraceSession extends Session {
    private static final int LISTED = 100_000;
    private static final int LISTED_WITH_STACKS = 20_000;

    private final SyscallTable table;
    private final SyscallTracer tracer;
    private final CodeCacheTracker tracker;
    private final boolean stacks;
    private Sampler sampler;
    private CodeListener codeNeeds;

    private TraceSession(AgentOptions options, SyscallTable table, SyscallTracer tracer, CodeCacheTracker tracker) {
        super(options);
        this.table = table;
        this.tracer = tracer;
        this.tracker = tracker;
        this.stacks = options.has("stack");
    }

    static TraceSession start(AgentOptions options, CodeCacheTracker tracker, JavaThreads threads)
            throws AgentOptions.BadOptionException, PerfException {
        if (options.has("event")) {
            throw new AgentOptions.BadOptionException("trace follows system calls; to sample other events use start"
                    + " with event= (without trace)");
        }
        TraceFs fs = TraceFs.find();
        EventSpec enter;
        EventSpec exit;
        try {
            enter = EventSpec.parse("raw_syscalls:sys_enter");
            exit = EventSpec.parse("raw_syscalls:sys_exit");
        } catch (EventSpec.UnknownEventException e) {
            throw new PerfException(e.getMessage() + " (the kernel needs CONFIG_FTRACE_SYSCALLS)", 2);
        }
        boolean stack = options.has("stack");
        boolean summary = options.has("summary");
        SyscallTracer tracer = new SyscallTracer(tid -> JavaThreads.nameOf(threads, tid), true,
                summary ? 0 : stack ? LISTED_WITH_STACKS : LISTED, stack);
        TraceSession s = new TraceSession(options, SyscallTable.forThisMachine(fs), tracer, tracker);
        if (stack) {
            s.codeNeeds = followCode(tracker);
        }
        try {
            s.sampler = Sampler.start(List.of(new SamplingEvent(enter, 1, false, null, stack, true, 0),
                    new SamplingEvent(exit, 1, false, null, false, true, 0)), options.rings(), tracer, Log::say,
                    Sampler.lossNotice("system calls", stack ? List.of("no stacks (without --stack)") : List.of()));
        } catch (PerfException | RuntimeException e) {
            s.release();
            throw e;
        }
        if (threads != null) {
            threads.onStart(s.sampler::threadStarted);
        }
        return s;
    }

    private void release() {
        if (codeNeeds != null) {
            tracker.removeListener(codeNeeds);
        }
    }

    @Override
    String status() {
        Sampler.Stats st = sampler.stats();
        return String.format(Locale.ROOT, "tracing system calls%s, %s, %d events, %d lost, %d s",
                stacks ? " with stacks" : "", st.mode() == null ? "starting" : st.mode().description, st.samples(),
                st.lost(), (System.currentTimeMillis() - startedAt) / 1000);
    }

    @Override
    Output snapshot() {
        return output(tracer.snapshot());
    }

    @Override
    Output rotate() {
        return snapshot();
    }

    @Override
    Output finish() {
        sampler.close();
        try {
            return output(tracer.snapshot());
        } finally {
            release();
        }
    }

    private Output output(SyscallTracer.Trace trace) {
        Map<String, String> info = new LinkedHashMap<>();
        Sampler.Stats st = sampler.stats();
        info.put("process", subject());
        info.put("mode", st.mode() == null ? "starting" : st.mode().description);
        info.put("events", Long.toString(st.samples()));
        info.put("lost", Long.toString(st.lost()));
        info.put("started", java.time.Instant.ofEpochMilli(startedAt).toString());
        TraceReport.StackNamer namer = stacks ? stackNamer() : null;
        boolean summary = options.has("summary");
        return (format, stream) -> {
            Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
            TraceReport.write(trace, table, info, summary, namer, out);
            out.flush();
        };
    }

    /** Names callchains with the code cache as it was at each call's time. */
    private TraceReport.StackNamer stackNamer() {
        tracker.sync(1000);
        NameStyle names = options.nameStyle();
        NameStyle style = new NameStyle(names.dotted(), names.signatures(), false, names.lines(), true);
        FrameTable frames = new FrameTable();
        StackResolver resolver = new StackResolver(frames, tracker.cache(), style.lines(), null);
        int[] ids = new int[1024];
        return (chain, from, length, time) -> {
            int n = resolver.resolve(chain, from, length, time, ids);
            List<String> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(frames.name(ids[i], style));
            }
            return list;
        };
    }

    @Override
    OutputFormat defaultFormat() {
        return OutputFormat.REPORT;
    }
}

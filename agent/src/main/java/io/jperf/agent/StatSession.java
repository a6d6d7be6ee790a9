package io.jperf.agent;

import io.jperf.count.CountReport;
import io.jperf.count.Counters;
import io.jperf.hotspot.JavaThreads;
import io.jperf.output.OutputFormat;
import io.jperf.perf.EventSpec;
import io.jperf.perf.PerfException;
import io.jperf.perf.Sampler;
import io.jperf.perf.SamplingEvent;
import io.jperf.perf.TraceFs;
import io.jperf.trace.SyscallTable;
import io.jperf.trace.SyscallTracer;
import io.jperf.trace.TraceReport;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * Counting, as {@code perf stat}: totals and rates of events for the JVM, per Java thread with {@code perthread}.
 * {@code syscalls:sys_enter_*} (any glob over the call names) counts system calls by name: one
 * {@code raw_syscalls:sys_enter} event whose samples are counted by thread and call number, instead of hundreds of
 * counters per thread.
 */
final class StatSession extends Session {
    private static final String SYSCALLS = "syscalls:sys_enter_";
    private static final List<String> DEFAULT = List.of("task-clock", "context-switches", "cpu-migrations",
            "page-faults");
    private static final List<String> DEFAULT_HARDWARE = List.of("cycles", "instructions", "branches",
            "branch-misses");
    private static final List<String> DETAILED = List.of("L1-dcache-loads", "L1-dcache-load-misses", "LLC-loads",
            "LLC-load-misses");

    private final Counters counters;
    private final Sampler syscallSampler;
    private final SyscallTracer syscalls;
    private final SyscallTable table;
    private final Pattern syscallNames;
    private final boolean perThread;

    private StatSession(AgentOptions options, Counters counters, Sampler syscallSampler, SyscallTracer syscalls,
            SyscallTable table, Pattern syscallNames) {
        super(options);
        this.counters = counters;
        this.syscallSampler = syscallSampler;
        this.syscalls = syscalls;
        this.table = table;
        this.syscallNames = syscallNames;
        this.perThread = options.has("perthread");
    }

    static StatSession start(AgentOptions options, JavaThreads threads) throws AgentOptions.BadOptionException,
            PerfException {
        List<String> names = new ArrayList<>(options.all("event"));
        Set<EventSpec> optional = new LinkedHashSet<>();
        List<EventSpec> events = new ArrayList<>();
        Pattern syscallNames = null;
        try {
            if (names.isEmpty()) {
                for (String n : DEFAULT) {
                    events.add(EventSpec.parse(n));
                }
                for (String n : options.has("detailed") ? concat(DEFAULT_HARDWARE, DETAILED) : DEFAULT_HARDWARE) {
                    EventSpec e = EventSpec.parse(n);
                    events.add(e);
                    optional.add(e);
                }
            }
            for (String n : names) {
                if (n.startsWith(SYSCALLS) && n.contains("*")) {
                    syscallNames = EventSpec.glob(n.substring(SYSCALLS.length()));
                    continue;
                }
                for (EventSpec e : EventSpec.parseAll(n)) {
                    if (!events.contains(e)) {
                        events.add(e);
                    }
                }
            }
        } catch (EventSpec.UnknownEventException e) {
            throw new AgentOptions.BadOptionException(e.getMessage());
        }
        IntFunction<String> threadName = tid -> JavaThreads.nameOf(threads, tid);
        Counters counters = Counters.start(events, optional, options.has("perthread"), threadName, Log::say);
        Sampler sampler = null;
        SyscallTracer tracer = null;
        SyscallTable table = null;
        if (syscallNames != null) {
            try {
                TraceFs fs = TraceFs.find();
                table = SyscallTable.forThisMachine(fs);
                tracer = new SyscallTracer(threadName, false, 0, false);
                EventSpec enter = EventSpec.parse("raw_syscalls:sys_enter");
                sampler = Sampler.start(List.of(new SamplingEvent(enter, 1, false, null, false, true, 0)),
                        options.rings(), tracer, Log::say, Sampler.lossNotice("system calls", List.of()));
            } catch (EventSpec.UnknownEventException e) {
                counters.close();
                throw new AgentOptions.BadOptionException(e.getMessage());
            } catch (PerfException | RuntimeException e) {
                counters.close();
                throw e;
            }
        }
        StatSession s = new StatSession(options, counters, sampler, tracer, table, syscallNames);
        if (threads != null) {
            threads.onStart(tid -> {
                counters.threadStarted(tid);
                if (s.syscallSampler != null) {
                    s.syscallSampler.threadStarted(tid);
                }
            });
        }
        return s;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Override
    String status() {
        String events = String.join(", ", counters.events().stream().map(EventSpec::name).toList());
        if (syscallNames != null) {
            events += (events.isEmpty() ? "" : ", ") + "system calls by name";
        }
        return String.format(Locale.ROOT, "counting %s%s, %d s", events, perThread ? " per thread" : "",
                (System.currentTimeMillis() - startedAt) / 1000);
    }

    @Override
    Output snapshot() {
        try {
            return output(counters.read(), syscalls == null ? null : syscalls.snapshot());
        } catch (PerfException e) {
            return failed(e);
        }
    }

    @Override
    Output rotate() {
        return snapshot();
    }

    @Override
    Output finish() {
        try {
            Counters.Reading reading = counters.read();
            SyscallTracer.Trace trace = null;
            if (syscallSampler != null) {
                syscallSampler.close();
                trace = syscalls.snapshot();
            }
            return output(reading, trace);
        } catch (PerfException e) {
            return failed(e);
        } finally {
            counters.close();
            if (syscallSampler != null) {
                syscallSampler.close();
            }
        }
    }

    private Output output(Counters.Reading reading, SyscallTracer.Trace trace) {
        return (format, stream) -> {
            Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
            CountReport.write(reading, "JVM " + subject(), perThread, out);
            if (trace != null) {
                TraceReport.counts(trace, table, name -> syscallNames.matcher(name).matches(), perThread, out);
                Sampler.Stats st = syscallSampler.stats();
                if (st.lost() > 0) {
                    out.write(String.format(Locale.ROOT, "%n %,d system calls lost (the reader fell behind)%n",
                            st.lost()));
                }
            }
            out.flush();
        };
    }

    private static Output failed(PerfException e) {
        return (format, stream) -> {
            throw new java.io.IOException(e.getMessage(), e);
        };
    }

    @Override
    OutputFormat defaultFormat() {
        return OutputFormat.REPORT;
    }
}

package io.jperf.agent;

import io.jperf.hotspot.JavaThreads;
import io.jperf.jit.CodeCacheTracker;
import io.jperf.jit.CodeListener;
import io.jperf.output.OutputFormat;
import io.jperf.perf.EventSpec;
import io.jperf.perf.PerfException;
import io.jperf.perf.Sample;
import io.jperf.perf.SampleSink;
import io.jperf.perf.Sampler;
import io.jperf.perf.SamplingEvent;
import io.jperf.perfmap.NameStyle;
import io.jperf.profile.FrameFilter;
import io.jperf.profile.Profile;
import io.jperf.profile.Recorder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A sampled profile: the sampler and the recorder it feeds, one section per event when there are several. */
final class ProfileSession extends Session {
    private static final int LOG_CAPACITY = 4_000_000;

    private final CodeCacheTracker tracker;
    private final JavaThreads threads;
    private final List<EventSpec> events;
    private final long period;
    private final boolean frequency;
    private final String tracepointFilter;
    private final NameStyle style;
    private final FrameFilter filter;
    private final OutputFormat fileFormat;
    private final boolean dwarf;
    /** User stack bytes each sample copies (with dwarf). */
    private final int stackCopy;
    private CodeListener codeNeeds;
    private volatile Recorder recorder;
    private volatile long periodStart = System.currentTimeMillis();
    private Sampler sampler;

    private ProfileSession(AgentOptions options, CodeCacheTracker tracker, JavaThreads threads)
            throws AgentOptions.BadOptionException {
        super(options);
        this.tracker = tracker;
        this.threads = threads;
        this.events = events(options, "cpu");
        long hz = options.frequency();
        this.frequency = hz > 0;
        this.period = frequency ? hz : options.has("interval") ? options.interval() : 0;
        this.tracepointFilter = options.get("filter");
        boolean tracepoints = false;
        boolean everyOccurrence = false;
        for (EventSpec e : events) {
            tracepoints |= e.kind() == EventSpec.Kind.TRACEPOINT;
            everyOccurrence |= SamplingEvent.everyOccurrence(e, periodOf(e), frequency);
        }
        if (tracepointFilter != null && !tracepoints) {
            throw new AgentOptions.BadOptionException("filter= applies to tracepoints (such as"
                    + " syscalls:sys_enter_write), and none is sampled");
        }
        NameStyle names = options.nameStyle();
        this.style = new NameStyle(names.dotted(), names.signatures(), false, names.lines(), true);
        this.filter = new FrameFilter(options.all("include"), options.all("exclude"));
        this.fileFormat = format(options, file(options));
        this.dwarf = options.cstack(everyOccurrence).equals("dwarf");
        this.stackCopy = options.stackCopyBytes();
        this.recorder = newRecorder();
    }

    /** The events of {@code event=} (repeatable; tracepoint wildcards expand), or the default. */
    static List<EventSpec> events(AgentOptions options, String fallback) throws AgentOptions.BadOptionException {
        List<String> names = options.all("event");
        List<EventSpec> specs = new ArrayList<>();
        try {
            for (String name : names.isEmpty() ? List.of(fallback) : names) {
                for (EventSpec e : EventSpec.parseAll(name)) {
                    if (!specs.contains(e)) {
                        specs.add(e);
                    }
                }
            }
        } catch (EventSpec.UnknownEventException e) {
            throw new AgentOptions.BadOptionException(e.getMessage());
        }
        return specs;
    }

    static ProfileSession start(AgentOptions options, CodeCacheTracker tracker, JavaThreads threads)
            throws AgentOptions.BadOptionException, PerfException {
        ProfileSession s = new ProfileSession(options, tracker, threads);
        s.recorder.preload();
        s.codeNeeds = followCode(tracker);
        SampleSink sink = new SampleSink() {
            @Override
            public void sample(Sample sample) {
                s.recorder.sample(sample);
            }

            @Override
            public void drained(long now) {
                s.recorder.drained(now);
            }
        };
        try {
            List<SamplingEvent> sampled = new ArrayList<>();
            for (EventSpec e : s.events) {
                sampled.add(new SamplingEvent(e, s.periodOf(e), s.frequency,
                        e.kind() == EventSpec.Kind.TRACEPOINT ? s.tracepointFilter : null, true, false,
                        s.dwarf ? s.stackCopy : 0));
            }
            s.sampler = Sampler.start(sampled, options.rings(), sink, Log::say, s.lossNotice());
        } catch (PerfException | RuntimeException e) {
            tracker.removeListener(s.codeNeeds);
            throw e;
        }
        if (threads != null) {
            threads.onStart(s.sampler::threadStarted);
        }
        return s;
    }

    /** Said at the first lost sample, with this session's settings that lose fewer. */
    private String lossNotice() {
        List<String> fewer = new ArrayList<>();
        fewer.add(frequency ? "a lower freq" : "a longer interval");
        if (dwarf) {
            if (stackCopy > AgentOptions.DEFAULT_STACK_COPY) {
                fewer.add("a smaller stackcopy");
            }
            fewer.add("cstack=fp with -XX:+PreserveFramePointer (no stack copies)");
        }
        return Sampler.lossNotice("samples", fewer);
    }

    /** The sampling period of an event: the one asked for, or the event's default. */
    private long periodOf(EventSpec e) {
        return period > 0 ? period : e.defaultPeriod();
    }

    private Recorder newRecorder() {
        boolean keepSamples = fileFormat != null && fileFormat.needsSamples();
        return new Recorder(eventNameList(), tracker.cache(),
                tracker::consistentUntil, style, filter, threads, keepSamples ? LOG_CAPACITY : 0, dwarf, Log::say);
    }

    @Override
    OutputFormat defaultFormat() {
        return OutputFormat.DATA;
    }

    private Output output(Profile profile) {
        return (format, out) -> format.write(profile, style, options.has("threads"), title(), out);
    }

    @Override
    Output snapshot() {
        return output(profile());
    }

    private Profile profile() {
        drainNow();
        tracker.sync(1000);
        Recorder r = recorder;
        r.flush();
        return r.snapshot(info());
    }

    /** Samples taken until now reach the recorder before an output is made of it. */
    private void drainNow() {
        if (sampler != null) {
            sampler.drainNow(1000);
        }
    }

    @Override
    Output rotate() {
        drainNow();
        Recorder finished = recorder;
        long began = periodStart;
        recorder = newRecorder();
        periodStart = System.currentTimeMillis();
        tracker.sync(1000);
        finished.flush();
        Map<String, String> info = info();
        info.put("period started", java.time.Instant.ofEpochMilli(began).toString());
        return output(finished.snapshot(info));
    }

    @Override
    Output finish() {
        if (sampler != null) {
            sampler.close();
        }
        if (threads != null) {
            threads.onStart(tid -> { });
        }
        try {
            return output(profile());
        } finally {
            tracker.removeListener(codeNeeds);
        }
    }

    private String title() {
        return "jperf " + eventNames() + " profile of " + subject();
    }

    private String eventNames() {
        return String.join(", ", eventNameList());
    }

    private List<String> eventNameList() {
        List<String> names = new ArrayList<>();
        for (EventSpec e : events) {
            names.add(e.name());
        }
        return names;
    }

    /** Facts about the recording for every output, and the status line. */
    Map<String, String> info() {
        Map<String, String> info = new LinkedHashMap<>();
        Sampler.Stats s = sampler.stats();
        info.put("event", eventNames());
        info.put(frequency ? "frequency" : "interval", frequency ? period + " Hz" : interval());
        if (tracepointFilter != null) {
            info.put("filter", tracepointFilter);
        }
        info.put("mode", s.mode() == null ? "starting" : s.mode().description);
        info.put("kernel frames", s.kernel() ? "yes" : "no (not allowed)");
        info.put("stacks", dwarf ? "dwarf (" + stackCopy + "-byte stack copies: DWARF CFI for native code, HotSpot"
                + " frame layout for Java)" : "fp (the kernel's frame-pointer chain)");
        info.put("samples", Long.toString(s.samples()));
        if (events.size() > 1) {
            StringBuilder per = new StringBuilder();
            for (int i = 0; i < events.size(); i++) {
                per.append(i == 0 ? "" : ", ").append(events.get(i).name()).append(' ').append(s.samplesByEvent()[i]);
            }
            info.put("samples by event", per.toString());
        }
        info.put("lost", Long.toString(s.lost()));
        info.put("throttled", Long.toString(s.throttled()));
        info.put("perf events", Integer.toString(s.events()));
        // Kernel memory the JVM's RSS does not show: what jperf costs beyond its heap and native allocations.
        info.put("ring memory", s.rings() + (s.rings() == 1 ? " ring, " : " rings, ") + (s.ringBytes() >> 10) + " KiB");
        info.put("started", java.time.Instant.ofEpochMilli(startedAt).toString());
        info.put("pid", Long.toString(ProcessHandle.current().pid()));
        return info;
    }

    /** The period as given, or each event's default: "10 ms", "1 events", "10 ms / 1 events". */
    private String interval() {
        List<String> each = new ArrayList<>();
        for (EventSpec e : events) {
            long p = period > 0 ? period : e.defaultPeriod();
            String text = e.isClock() ? formatNanos(p) : p + " events";
            if (!each.contains(text)) {
                each.add(text);
            }
        }
        return String.join(" / ", each);
    }

    @Override
    String status() {
        Map<String, String> info = info();
        long seconds = (System.currentTimeMillis() - startedAt) / 1000;
        return "profiling " + info.get("event") + " every " + info.getOrDefault("interval", info.get("frequency"))
                + ", " + info.get("mode") + ", " + info.get("ring memory") + ", stacks " + (dwarf ? "dwarf" : "fp")
                + ", " + info.get("samples")
                + " samples, " + info.get("lost") + " lost, " + info.get("throttled") + " throttled, "
                + recorder.threads() + " threads, " + seconds + " s";
    }
}

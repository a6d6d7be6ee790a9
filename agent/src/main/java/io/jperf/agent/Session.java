package io.jperf.agent;

import io.jperf.files.SafeFile;
import io.jperf.hotspot.JavaThreads;
import io.jperf.jit.CodeCacheTracker;
import io.jperf.jit.CodeListener;
import io.jperf.output.OutputFormat;
import io.jperf.perf.EventSpec;
import io.jperf.perf.PerfException;
import io.jperf.perf.SampleSink;
import io.jperf.perf.Sampler;
import io.jperf.perfmap.NameStyle;
import io.jperf.profile.FrameFilter;
import io.jperf.profile.Profile;
import io.jperf.profile.Recorder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One profiling session: the sampler and the recorder it feeds. Its profile is taken by {@code dump} (profiling goes
 * on), {@code stop}, and with {@code loop=TIME} every period; {@link Agent} decides where it goes.
 */
final class Session {
    private static final int LOG_CAPACITY = 4_000_000;
    private static final Duration RETAIN_UNLOADED = Duration.ofSeconds(30);

    private final AgentOptions options;
    private final CodeCacheTracker tracker;
    private final JavaThreads threads;
    private final EventSpec event;
    private final long period;
    private final boolean frequency;
    private final NameStyle style;
    private final FrameFilter filter;
    private final OutputFormat fileFormat;
    private final CodeListener codeNeeds;
    private final long startedAt = System.currentTimeMillis();
    private volatile Recorder recorder;
    private volatile long periodStart = System.currentTimeMillis();
    private Sampler sampler;

    private Session(AgentOptions options, CodeCacheTracker tracker, JavaThreads threads)
            throws AgentOptions.BadOptionException {
        this.options = options;
        this.tracker = tracker;
        this.threads = threads;
        try {
            this.event = EventSpec.parse(options.has("event") ? options.get("event") : "cpu");
        } catch (EventSpec.UnknownEventException e) {
            throw new AgentOptions.BadOptionException(e.getMessage());
        }
        long hz = options.frequency();
        this.frequency = hz > 0;
        this.period = frequency ? hz : options.has("interval") ? options.interval() : event.defaultPeriod();
        NameStyle names = options.nameStyle();
        this.style = new NameStyle(names.dotted(), names.signatures(), false, names.lines(), true);
        this.filter = new FrameFilter(options.all("include"), options.all("exclude"));
        this.fileFormat = format(options, file(options));
        this.codeNeeds = new CodeListener() {
            @Override
            public boolean wantsDetail() {
                return true;
            }
        };
        this.recorder = newRecorder();
    }

    static Session start(AgentOptions options, CodeCacheTracker tracker, JavaThreads threads)
            throws AgentOptions.BadOptionException, PerfException {
        Session s = new Session(options, tracker, threads);
        s.recorder.preload();
        tracker.retainUnloaded(RETAIN_UNLOADED, 200_000);
        tracker.addListener(s.codeNeeds);
        SampleSink sink = new SampleSink() {
            @Override
            public void sample(int tid, long time, long period, long[] chain, int length) {
                s.recorder.sample(tid, time, period, chain, length);
            }

            @Override
            public void drained(long now) {
                s.recorder.drained(now);
            }
        };
        try {
            s.sampler = Sampler.start(s.event, s.period, s.frequency, options.rings(), sink, Log::say);
        } catch (PerfException | RuntimeException e) {
            tracker.removeListener(s.codeNeeds);
            throw e;
        }
        if (threads != null) {
            threads.onStart(s.sampler::threadStarted);
        }
        return s;
    }

    private Recorder newRecorder() {
        boolean keepSamples = fileFormat != null && fileFormat.needsSamples();
        return new Recorder(tracker.cache(), tracker::consistentUntil, style, filter, threads,
                keepSamples ? LOG_CAPACITY : 0);
    }

    /** The file of {@code file=}, with %p and %t expanded; null when none was given. */
    static Path file(AgentOptions options) {
        String f = options.get("file");
        if (f == null) {
            return null;
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of(f.replace("%p", Long.toString(ProcessHandle.current().pid())).replace("%t", stamp));
    }

    private static OutputFormat format(AgentOptions options, Path file) {
        if (options.has("format")) {
            return OutputFormat.named(options.get("format"));
        }
        return file == null ? null : OutputFormat.ofFile(file.getFileName().toString());
    }

    /** The file a request names, or else the session's; null when neither names one. */
    Path fileFor(AgentOptions request) {
        return request.has("file") ? file(request) : file(options);
    }

    /** The format for a file (or for bytes when {@code file} is null): the request's format=, else the file's. */
    OutputFormat formatFor(AgentOptions request, Path file) {
        if (request.has("format")) {
            return OutputFormat.named(request.get("format"));
        }
        if (file != null) {
            return format(request.has("file") ? request : options, file);
        }
        return fileFormat != null ? fileFormat : OutputFormat.DATA;
    }

    /** The profile so far; profiling goes on. */
    Profile snapshot() {
        tracker.sync(1000);
        Recorder r = recorder;
        r.flush();
        return r.snapshot(info());
    }

    /** With {@code loop}: this period's profile, and the next one begins. */
    Profile rotate() {
        Recorder finished = recorder;
        long began = periodStart;
        recorder = newRecorder();
        periodStart = System.currentTimeMillis();
        tracker.sync(1000);
        finished.flush();
        Map<String, String> info = info();
        info.put("period started", java.time.Instant.ofEpochMilli(began).toString());
        return finished.snapshot(info);
    }

    /** Stops sampling and returns the whole profile. */
    Profile finish() {
        if (sampler != null) {
            sampler.close();
        }
        if (threads != null) {
            threads.onStart(tid -> { });
        }
        try {
            return snapshot();
        } finally {
            tracker.removeListener(codeNeeds);
        }
    }

    /** Writes a profile of this session to a file, atomically; never through a link. */
    void write(Profile profile, OutputFormat format, Path file) throws IOException {
        try {
            SafeFile.replace(file, out -> format.write(profile, style, options.has("threads"), title(), out));
        } catch (IOException e) {
            throw new IOException("cannot write the profile to " + file + ": " + e.getMessage()
                    + "; choose another file=", e);
        }
    }

    /** A profile of this session as bytes, for a control client. */
    byte[] render(Profile profile, OutputFormat format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        format.write(profile, style, options.has("threads"), title(), out);
        return out.toByteArray();
    }

    private String title() {
        return "jperf " + event.name() + " profile of " + ProcessHandle.current().info().command()
                .map(c -> Path.of(c).getFileName().toString()).orElse("java") + " " + ProcessHandle.current().pid();
    }

    /** Facts about the recording for every output, and the status line. */
    Map<String, String> info() {
        Map<String, String> info = new LinkedHashMap<>();
        Sampler.Stats s = sampler.stats();
        info.put("event", event.name());
        info.put(frequency ? "frequency" : "interval", frequency ? period + " Hz"
                : event.isClock() ? formatNanos(period) : period + " events");
        info.put("mode", s.mode() == null ? "starting" : s.mode().description);
        info.put("kernel frames", s.kernel() ? "yes" : "no (not allowed)");
        info.put("samples", Long.toString(s.samples()));
        info.put("lost", Long.toString(s.lost()));
        info.put("throttled", Long.toString(s.throttled()));
        info.put("perf events", Integer.toString(s.events()));
        info.put("started", java.time.Instant.ofEpochMilli(startedAt).toString());
        info.put("pid", Long.toString(ProcessHandle.current().pid()));
        return info;
    }

    String status() {
        Map<String, String> info = info();
        long seconds = (System.currentTimeMillis() - startedAt) / 1000;
        return String.format(Locale.ROOT,
                "profiling %s every %s, %s, %s samples, %s lost, %s throttled, %d threads, %d s",
                info.get("event"), info.getOrDefault("interval", info.get("frequency")), info.get("mode"),
                info.get("samples"), info.get("lost"), info.get("throttled"), recorder.threads(), seconds);
    }

    static String formatNanos(long ns) {
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + " s";
        }
        if (ns % 1_000_000L == 0) {
            return ns / 1_000_000L + " ms";
        }
        if (ns % 1_000L == 0) {
            return ns / 1_000L + " us";
        }
        return ns + " ns";
    }
}

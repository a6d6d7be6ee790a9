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

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One profiling session: the sampler, the recorder it feeds, and where the profile goes. Started by {@code start},
 * written by {@code dump} (and keeps going) or {@code stop}, and at JVM exit when a file was given. With
 * {@code loop=TIME} the profile is written and restarted every period.
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

    boolean hasFile() {
        return options.has("file");
    }

    /**
     * Writes the profile so far to {@code file=} of {@code request} (or of the session); profiling goes on.
     *
     * @return the file written
     */
    Path dump(AgentOptions request) throws IOException {
        AgentOptions source = request.has("file") ? request : options;
        Path file = file(source);
        if (file == null) {
            throw new IOException("no file to write the profile to: give file=PATH (with %p for the pid, %t for the"
                    + " time)");
        }
        OutputFormat format = request.has("file") || request.has("format") ? format(request, file) : fileFormat;
        tracker.sync(1000);
        Recorder r = recorder;
        r.flush();
        write(r.snapshot(info()), format, file);
        return file;
    }

    /** With {@code loop}: writes this period's profile and starts the next one. */
    Path rotate() throws IOException {
        Recorder finished = recorder;
        long began = periodStart;
        recorder = newRecorder();
        periodStart = System.currentTimeMillis();
        tracker.sync(1000);
        finished.flush();
        Map<String, String> info = info();
        info.put("period started", java.time.Instant.ofEpochMilli(began).toString());
        Path file = file(options);
        write(finished.snapshot(info), fileFormat, file);
        return file;
    }

    private void write(Profile profile, OutputFormat format, Path file) throws IOException {
        String title = "jperf " + event.name() + " profile of " + ProcessHandle.current().info().command()
                .map(c -> Path.of(c).getFileName().toString()).orElse("java") + " " + ProcessHandle.current().pid();
        try {
            SafeFile.replace(file, out -> format.write(profile, style, options.has("threads"), title, out));
        } catch (IOException e) {
            throw new IOException("cannot write the profile to " + file + ": " + e.getMessage()
                    + "; choose another file=", e);
        }
    }

    /** Stops sampling; writes the profile when a file was given. Returns the file written, or null. */
    Path stop() throws IOException {
        if (sampler != null) {
            sampler.close();
        }
        if (threads != null) {
            threads.onStart(tid -> { });
        }
        try {
            return hasFile() ? dump(options) : null;
        } finally {
            tracker.removeListener(codeNeeds);
        }
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
        return String.format(Locale.ROOT, "profiling %s every %s, %s, %s samples, %s lost, %s throttled, %d s",
                info.get("event"), info.getOrDefault("interval", info.get("frequency")), info.get("mode"),
                info.get("samples"), info.get("lost"), info.get("throttled"), seconds);
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

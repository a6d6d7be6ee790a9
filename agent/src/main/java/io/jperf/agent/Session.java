package io.jperf.agent;

import io.jperf.files.SafeFile;
import io.jperf.hotspot.JavaThreads;
import io.jperf.jit.CodeCacheTracker;
import io.jperf.jit.CodeListener;
import io.jperf.output.OutputFormat;
import io.jperf.perf.PerfException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * What runs in the JVM between start and stop: a sampled profile, counters ({@code stat}) or a syscall trace
 * ({@code trace}). Its result is taken by {@code dump} (it goes on), {@code stop}, and with {@code loop=TIME} every
 * period; {@link Agent} decides where the result goes.
 */
abstract class Session {
    private static final Duration RETAIN_UNLOADED = Duration.ofSeconds(30);
    protected final AgentOptions options;
    protected final long startedAt = System.currentTimeMillis();

    /** A session's result: it writes itself in a format. */
    interface Output {
        void write(OutputFormat format, OutputStream out) throws IOException;
    }

    protected Session(AgentOptions options) {
        this.options = options;
    }

    static Session start(AgentOptions options, CodeCacheTracker tracker, JavaThreads threads)
            throws AgentOptions.BadOptionException, PerfException {
        Path file = file(options);
        if (file != null) {
            try {
                SafeFile.checkWritable(file);
            } catch (IOException e) {
                throw new AgentOptions.BadOptionException(cannotWrite(what(options), file, e));
            }
        }
        if (options.has("stat")) {
            return StatSession.start(options, threads);
        }
        if (options.has("trace")) {
            return TraceSession.start(options, tracker, threads);
        }
        return ProfileSession.start(options, tracker, threads);
    }

    /** One line: what runs, and how it goes. */
    abstract String status();

    /** The result so far; the session goes on. */
    abstract Output snapshot();

    /** With {@code loop}: this period's result, and the next period begins. */
    abstract Output rotate();

    /** Stops and returns the whole result. */
    abstract Output finish();

    /** The format when neither the request nor a file names one. */
    abstract OutputFormat defaultFormat();

    /** The file of {@code file=}, with %p and %t expanded; null when none was given. */
    static Path file(AgentOptions options) {
        String f = options.get("file");
        if (f == null) {
            return null;
        }
        f = f.replace("%p", Long.toString(ProcessHandle.current().pid()));
        if (f.contains("%t")) { // java.time's zone rules cost half a megabyte: only when asked for
            f = f.replace("%t", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return Path.of(f);
    }

    static OutputFormat format(AgentOptions options, Path file) {
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
        OutputFormat own = format(options, file(options));
        return own != null ? own : defaultFormat();
    }

    /** Writes a result to a file, atomically; never through a link. */
    void write(Output output, OutputFormat format, Path file) throws IOException {
        try {
            SafeFile.replace(file, out -> output.write(format, out));
        } catch (IOException e) {
            throw new IOException(cannotWrite(what(), file, e), e);
        }
    }

    private static String cannotWrite(String what, Path file, IOException e) {
        return "cannot write the " + what + " to " + file + ": " + e.getMessage() + "; choose another file=";
    }

    /** A result as bytes, for a control client. */
    byte[] render(Output output, OutputFormat format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        output.write(format, out);
        return out.toByteArray();
    }

    /**
     * Makes the tracker keep what names sampled code at any time of the session: inline tables, and unloaded code
     * for a while. Returns the listener that asks for it, to be removed at the end.
     */
    static CodeListener followCode(CodeCacheTracker tracker) {
        tracker.retainUnloaded(RETAIN_UNLOADED, 200_000);
        CodeListener needs = new CodeListener() {
            @Override
            public boolean wantsDetail() {
                return true;
            }
        };
        tracker.addListener(needs);
        return needs;
    }

    /** "profile", "counts" or "trace", for messages. */
    String what() {
        return what(options);
    }

    private static String what(AgentOptions options) {
        return options.has("stat") ? "counts" : options.has("trace") ? "trace" : "profile";
    }

    /** The application, for titles: "java 1234" or the launcher's name. */
    static String subject() {
        return ProcessHandle.current().info().command().map(c -> Path.of(c).getFileName().toString()).orElse("java")
                + " " + ProcessHandle.current().pid();
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

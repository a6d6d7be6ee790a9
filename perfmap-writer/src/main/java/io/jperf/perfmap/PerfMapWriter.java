package io.jperf.perfmap;

import io.jperf.files.SafeFile;
import io.jperf.jit.CodeBlob;
import io.jperf.jit.CodeCache;
import io.jperf.jit.CodeListener;
import io.jperf.jit.CompiledMethod;
import io.jperf.jit.InlineTable;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps {@code /tmp/perf-PID.map} equal to the live code cache: rewritten whole, atomically, after a change, at most
 * every 250 to 500 ms (slower when a rewrite takes long), and once more when the tracker stops. The file stays after
 * the JVM exits so that {@code perf report} works afterwards.
 */
public final class PerfMapWriter implements CodeListener {
    private static final String ONLY_TMP = "; perf reads Java symbols only from /tmp: the JVM's user must be able to"
            + " write there";
    private static final long MIN_INTERVAL_MILLIS = 250;
    private static final long MAX_INTERVAL_MILLIS = 500;
    /** A rewrite may take at most this share of the time between rewrites. */
    private static final int INTERVAL_PER_WRITE_TIME = 20;
    private static final long RETRY_MILLIS = 10_000;

    private final Path path;
    private final NameStyle style;
    private final Consumer<String> report;
    private CodeCache.Snapshot written;
    private long lastAttempt = Long.MIN_VALUE / 2;
    private long interval = TimeUnit.MILLISECONDS.toNanos(MIN_INTERVAL_MILLIS);
    private final CountDownLatch firstAttempt = new CountDownLatch(1);
    private volatile String lastError;
    private volatile long writes;
    private volatile long lastWriteNanos;

    public PerfMapWriter(Path path, NameStyle style, Consumer<String> report) {
        this.path = path;
        this.style = style;
        this.report = report;
    }

    /** Where perf looks for the symbols of process {@code pid}. */
    public static Path defaultPath(long pid) {
        return Path.of("/tmp", "perf-" + pid + ".map");
    }

    public Path path() {
        return path;
    }

    public long writes() {
        return writes;
    }

    /** How long the last complete write took, in nanoseconds. */
    public long lastWriteNanos() {
        return lastWriteNanos;
    }

    /**
     * Waits for the first write, which follows the tracker's replay to this writer: null once it succeeded, else the
     * line that says why not.
     */
    public String awaitFirstWrite(Duration timeout) throws InterruptedException {
        if (!firstAttempt.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return "Java symbols were not written to " + path + " within " + timeout.toSeconds()
                    + " s: the JIT event thread is busy or stuck";
        }
        return lastError;
    }

    /** Unfolded or line-numbered names need the inline tables. */
    @Override
    public boolean wantsDetail() {
        return style.unfold() || style.lines();
    }

    @Override
    public void tick(CodeCache.Snapshot snapshot, long now) {
        if (snapshot != written && now - lastAttempt >= interval) {
            lastAttempt = now;
            write(snapshot);
        }
    }

    @Override
    public void close(CodeCache.Snapshot snapshot) {
        if (snapshot != written) {
            write(snapshot);
        }
    }

    private void write(CodeCache.Snapshot snapshot) {
        long begin = System.nanoTime();
        try {
            SafeFile.replace(path, out -> {
                Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
                writeTo(snapshot, w);
                w.flush();
            });
            written = snapshot;
            writes++;
            lastWriteNanos = System.nanoTime() - begin;
            interval = Math.min(TimeUnit.MILLISECONDS.toNanos(MAX_INTERVAL_MILLIS),
                    Math.max(TimeUnit.MILLISECONDS.toNanos(MIN_INTERVAL_MILLIS),
                            INTERVAL_PER_WRITE_TIME * lastWriteNanos));
            lastError = null;
        } catch (IOException | RuntimeException e) {
            interval = TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
            String message = "cannot write Java symbols to " + path + ": " + describe(e);
            if (!message.equals(lastError)) {
                lastError = message;
                report.accept(message);
            }
        } finally {
            firstAttempt.countDown();
        }
    }

    /** The reason without temporary file names, so that a retry failing the same way says nothing new. */
    private static String describe(Exception e) {
        if (e instanceof SafeFile.RefusedException) {
            return e.getMessage();
        }
        if (e instanceof SafeFile.DirectoryException) {
            return e.getMessage() + ONLY_TMP;
        }
        if (e instanceof FileSystemException) {
            String reason = ((FileSystemException) e).getReason();
            if (e instanceof AccessDeniedException || reason == null) {
                reason = "permission denied";
            }
            return reason + ONLY_TMP;
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Writes the live code as perf map lines ({@code START SIZE NAME}, hex), by address. */
    void writeTo(CodeCache.Snapshot snapshot, Writer w) throws IOException {
        Lines out = new Lines(w);
        for (int i = 0; i < snapshot.size(); i++) {
            if (!snapshot.isLive(i)) {
                continue;
            }
            CodeBlob blob = snapshot.blob(i);
            if (style.unfold() && blob instanceof CompiledMethod && ((CompiledMethod) blob).inlining.size() > 0) {
                writeUnfolded((CompiledMethod) blob, out);
            } else {
                style.appendBlob(out.start(blob.start, blob.size), blob);
                out.end();
            }
        }
    }

    /**
     * One line per run of code with the same inline chain: an instruction belongs to the first recorded PC at or
     * after it, and code past the last recorded PC to the compiled method alone.
     */
    private void writeUnfolded(CompiledMethod cm, Lines out) throws IOException {
        InlineTable t = cm.inlining;
        long runStart = 0;
        long runEnd = 0;
        String runName = null;
        for (int scope = 0; scope < t.size(); scope++) {
            long end = Math.min(cm.size, (long) t.pcOffset(scope) + 1);
            if (end <= runEnd) {
                continue;
            }
            String name = style.chain(cm, scope);
            if (!name.equals(runName)) {
                if (runName != null) {
                    out.start(cm.start + runStart, runEnd - runStart).append(runName);
                    out.end();
                }
                runStart = runEnd;
                runName = name;
            }
            runEnd = end;
        }
        if (runName != null) {
            out.start(cm.start + runStart, runEnd - runStart).append(runName);
            out.end();
        }
        if (runEnd < cm.size) {
            style.appendBlob(out.start(cm.start + runEnd, cm.size - runEnd), cm);
            out.end();
        }
    }

    /** Map lines built in one reused buffer: a rewrite of thousands of lines makes no garbage per line. */
    private static final class Lines {
        private final Writer w;
        private final StringBuilder sb = new StringBuilder(256);
        private char[] chars = new char[256];

        Lines(Writer w) {
            this.w = w;
        }

        StringBuilder start(long address, long size) {
            sb.setLength(0);
            return sb.append(Long.toHexString(address)).append(' ').append(Long.toHexString(size)).append(' ');
        }

        void end() throws IOException {
            sb.append('\n');
            if (chars.length < sb.length()) {
                chars = new char[sb.length() * 2];
            }
            sb.getChars(0, sb.length(), chars, 0);
            w.write(chars, 0, sb.length());
        }
    }
}

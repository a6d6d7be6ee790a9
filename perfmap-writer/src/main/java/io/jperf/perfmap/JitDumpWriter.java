package io.jperf.perfmap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.jperf.files.SafeFile;
import io.jperf.jit.CodeBlob;
import io.jperf.jit.CodeCache;
import io.jperf.jit.CodeListener;
import io.jperf.jit.CompiledMethod;
import io.jperf.jit.InlineTable;
import io.jperf.jit.MethodRef;
import io.jperf.linux.Libc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/**
 * Writes {@code jit-PID.dump} in the jitdump format that {@code perf inject --jit} reads (tools/perf/Documentation/
 * jitdump-specification.txt): code loads with their bytes, and debug info mapping code to Java source lines, through
 * the inline chain so that inlined code points at the inlined method's source.
 *
 * <p>Timestamps are CLOCK_MONOTONIC (the flags word says no TSC), so record with {@code perf record -k mono}. The
 * file's first page stays mapped executable: the PERF_RECORD_MMAP of that mapping is how perf finds the dump.
 */
public final class JitDumpWriter implements CodeListener {
    private static final int MAGIC = 0x4A695444;
    private static final int VERSION = 1;
    private static final int HEADER_SIZE = 40;
    private static final int RECORD_HEADER = 16;
    private static final int CODE_LOAD = 0;
    private static final int DEBUG_INFO = 2;
    private static final int CODE_CLOSE = 3;

    private final Path file;
    private final NameStyle style;
    private final Consumer<String> report;
    private final int pid;
    private final long predatesTime;
    private FileChannel channel;
    private Pointer marker;
    private long markerLength;
    private ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.nativeOrder());
    private long codeIndex;
    private long loads;

    private JitDumpWriter(Path file, NameStyle style, Consumer<String> report) {
        this.file = file;
        this.style = style;
        this.report = report;
        this.pid = (int) ProcessHandle.current().pid();
        this.predatesTime = jvmStartMonotonic();
    }

    /**
     * Creates {@code jit-PID.dump} in {@code dir}, or when {@code dir} is null in a new directory laid out as perf's own
     * agent does: {@code $JITDUMPDIR (or $HOME)/.debug/jit/java-jit-YYYYMMDD.XXXXXXXX}.
     */
    public static JitDumpWriter open(Path dir, NameStyle style, Consumer<String> report) throws IOException {
        Path directory = dir != null ? dir : defaultDirectory();
        JitDumpWriter w = new JitDumpWriter(directory.resolve("jit-" + ProcessHandle.current().pid() + ".dump"),
                style, report);
        w.start();
        return w;
    }

    private static Path defaultDirectory() throws IOException {
        String base = System.getenv("JITDUMPDIR");
        if (base == null || base.isEmpty()) {
            base = System.getProperty("user.home", ".");
        }
        Path parent = Path.of(base, ".debug", "jit");
        Files.createDirectories(parent);
        String day = LocalDate.now().format(DateTimeFormatter.BASIC_ISO_DATE);
        return Files.createTempDirectory(parent, "java-jit-" + day + ".",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    public Path file() {
        return file;
    }

    public long loads() {
        return loads;
    }

    private void start() throws IOException {
        channel = SafeFile.createForAppend(file);
        buffer.putInt(MAGIC).putInt(VERSION).putInt(HEADER_SIZE).putInt(elfMachine()).putInt(0).putInt(pid)
                .putLong(System.nanoTime()).putLong(0);
        flush();
        markerLength = Libc.getpagesize();
        try {
            int fd = Libc.open(file.toString(), Libc.O_RDONLY);
            try {
                marker = Libc.mmap(null, markerLength, Libc.PROT_READ | Libc.PROT_EXEC, Libc.MAP_PRIVATE, fd, 0);
            } finally {
                Libc.close(fd);
            }
        } catch (LastErrorException e) {
            channel.close();
            throw new IOException("cannot map " + file + " for perf to find: " + Libc.strerror(e.getErrorCode()));
        }
    }

    @Override
    public boolean wantsCode() {
        return true;
    }

    /** Debug info needs inline tables and lines. */
    @Override
    public boolean wantsDetail() {
        return true;
    }

    @Override
    public void loaded(CodeBlob blob, long time, boolean predates, byte[] code) {
        if (channel == null) {
            return;
        }
        long timestamp = predates ? predatesTime : time;
        try {
            if (blob instanceof CompiledMethod) {
                writeDebugInfo((CompiledMethod) blob, timestamp);
            }
            byte[] bytes = code != null && code.length == blob.size ? code
                    : new Pointer(blob.start).getByteArray(0, blob.size);
            byte[] name = (style.blob(blob) + '\0').getBytes(StandardCharsets.UTF_8);
            int size = RECORD_HEADER + 4 + 4 + 8 + 8 + 8 + 8 + name.length + bytes.length;
            reserve(size);
            buffer.putInt(CODE_LOAD).putInt(size).putLong(timestamp).putInt(pid).putInt(pid)
                    .putLong(blob.start).putLong(blob.start).putLong(blob.size).putLong(codeIndex++)
                    .put(name);
            if (bytes.length > buffer.remaining()) {
                flush();
                channel.write(ByteBuffer.wrap(bytes));
            } else {
                buffer.put(bytes);
            }
            loads++;
        } catch (IOException e) {
            fail(e);
        }
    }

    /**
     * One entry per recorded PC: the innermost frame's file and line, starting where the previous PC's code ended
     * (HotSpot records the PC after a call or at a poll, so code up to and including a PC belongs to it). perf ends
     * the line table at the last entry, so a last entry at the end of the code closes the final range.
     */
    private void writeDebugInfo(CompiledMethod cm, long timestamp) throws IOException {
        InlineTable t = cm.inlining;
        int n = 0;
        int size = RECORD_HEADER + 16;
        byte[][] names = new byte[t.size()][];
        int last = -1;
        for (int s = 0; s < t.size(); s++) {
            MethodRef m = t.method(s, 0);
            if (m.sourcePath() != null && t.line(s, 0) > 0 && (s == 0 || t.pcOffset(s - 1) + 1 < cm.size)) {
                names[s] = (m.sourcePath() + '\0').getBytes(StandardCharsets.UTF_8);
                size += 16 + names[s].length;
                n++;
                last = s;
            }
        }
        if (n == 0) {
            return;
        }
        size += 16 + names[last].length;
        int padded = (size + 7) & ~7;
        reserve(padded);
        buffer.putInt(DEBUG_INFO).putInt(padded).putLong(timestamp).putLong(cm.start).putLong(n + 1);
        for (int s = 0; s < t.size(); s++) {
            if (names[s] != null) {
                long from = s == 0 ? 0 : t.pcOffset(s - 1) + 1L;
                buffer.putLong(cm.start + from).putInt(t.line(s, 0)).putInt(0).put(names[s]);
            }
        }
        buffer.putLong(cm.end()).putInt(t.line(last, 0)).putInt(0).put(names[last]);
        for (int i = size; i < padded; i++) {
            buffer.put((byte) 0);
        }
    }

    private void reserve(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            flush();
            if (buffer.capacity() < bytes) {
                buffer = ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder());
            }
        }
    }

    private void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void tick(CodeCache.Snapshot snapshot, long now) {
        if (channel != null && buffer.position() > 0) {
            try {
                flush();
            } catch (IOException e) {
                fail(e);
            }
        }
    }

    @Override
    public void close(CodeCache.Snapshot snapshot) {
        if (channel == null) {
            return;
        }
        try {
            reserve(RECORD_HEADER);
            buffer.putInt(CODE_CLOSE).putInt(RECORD_HEADER).putLong(System.nanoTime());
            flush();
            channel.close();
        } catch (IOException e) {
            report.accept("cannot finish " + file + ": " + e.getMessage());
        }
        channel = null;
        Libc.munmap(marker, markerLength);
    }

    private void fail(IOException e) {
        report.accept("jitdump stopped: cannot write " + file + ": " + e.getMessage());
        try {
            channel.close();
        } catch (IOException ignored) {
            // Already failing; the first error was reported.
        }
        channel = null;
    }

    /** Code that predates jperf is stamped with the JVM's start, so that samples taken before attach resolve too. */
    private static long jvmStartMonotonic() {
        long now = System.nanoTime();
        Instant started = ProcessHandle.current().info().startInstant().orElse(null);
        if (started == null) {
            return now;
        }
        long ageNanos = (System.currentTimeMillis() - started.toEpochMilli()) * 1_000_000L;
        return now - Math.max(0, ageNanos);
    }

    private static int elfMachine() {
        switch (System.getProperty("os.arch")) {
            case "amd64":
            case "x86_64":
                return 62;
            case "aarch64":
                return 183;
            case "riscv64":
                return 243;
            case "ppc64":
            case "ppc64le":
                return 21;
            case "s390x":
                return 22;
            case "loongarch64":
                return 258;
            default:
                return 0;
        }
    }
}

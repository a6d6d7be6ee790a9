package io.jperf.perf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jperf.linux.Libc;
import io.jperf.linux.Syscall;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The perf_event_open(2) binding: the attribute struct, opening, the ioctls, and mapping a ring. Layout of
 * perf_event_attr (size 128) as in linux/perf_event.h.
 */
public final class PerfEvent implements AutoCloseable {
    static final int ATTR_SIZE = 128;
    static final int FLAG_DISABLED = 0;
    static final int FLAG_INHERIT = 1;
    static final int FLAG_EXCLUDE_KERNEL = 5;
    static final int FLAG_EXCLUDE_HV = 6;
    static final int FLAG_FREQ = 10;
    static final int FLAG_SAMPLE_ID_ALL = 18;
    static final int FLAG_EXCLUDE_CALLCHAIN_KERNEL = 21;
    static final int FLAG_USE_CLOCKID = 25;

    static final long SAMPLE_TID = 0x2;
    static final long SAMPLE_TIME = 0x4;
    static final long SAMPLE_CALLCHAIN = 0x20;
    static final long SAMPLE_PERIOD = 0x100;
    static final long SAMPLE_RAW = 0x400;
    static final long SAMPLE_REGS_USER = 0x1000;
    static final long SAMPLE_STACK_USER = 0x2000;
    static final long SAMPLE_IDENTIFIER = 0x10000;
    private static final long READ_TOTAL_TIME_ENABLED = 1;
    private static final long READ_TOTAL_TIME_RUNNING = 2;
    private static final long READ_LOST = 0x10;

    private static final long IOC_ENABLE = 0x2400;
    private static final long IOC_DISABLE = 0x2401;
    private static final long IOC_SET_OUTPUT = 0x2405;
    private static final long IOC_SET_FILTER = 0x40082406L;
    private static final long IOC_ID = 0x80082407L;
    private static final int FLAG_FD_CLOEXEC = 8;
    private static final int CLOCK_MONOTONIC = 1;

    private final int fd;
    private boolean closed;

    private PerfEvent(int fd) {
        this.fd = fd;
    }

    /**
     * What to open: an event, and either how to sample it (a period or frequency, callchains, raw tracepoint data)
     * or, with {@code period} 0, only to count it.
     *
     * @param countLost a sampled event keeps the count of its lost records for {@link #lost} (Linux 6.0 and later)
     */
    public record Attr(EventSpec event, long period, boolean frequency, boolean inherit, boolean kernel,
            boolean callchain, boolean raw, int stackCopy, int maxStack, boolean countLost) {
        /** A counter: read with {@link #readCount}, scaled when the kernel multiplexed it. */
        public static Attr counter(EventSpec event, boolean inherit, boolean kernel) {
            return new Attr(event, 0, false, inherit, kernel, false, false, 0, 0, false);
        }

        /** The sample layout: identifier, tid, time, period, then the callchain and raw data when asked. */
        long sampleType() {
            return SAMPLE_IDENTIFIER | SAMPLE_TID | SAMPLE_TIME | SAMPLE_PERIOD | (callchain ? SAMPLE_CALLCHAIN : 0)
                    | (raw ? SAMPLE_RAW : 0) | (stackCopy > 0 ? SAMPLE_REGS_USER | SAMPLE_STACK_USER : 0);
        }

        public Encoded encode() {
            Memory m = new Memory(ATTR_SIZE);
            m.clear();
            m.setInt(0, event.type());
            m.setInt(4, ATTR_SIZE);
            m.setLong(8, event.config());
            long flags = bit(FLAG_DISABLED) | bit(FLAG_EXCLUDE_HV);
            if (period > 0) {
                m.setLong(16, period);
                m.setLong(24, sampleType());
                flags |= bit(FLAG_SAMPLE_ID_ALL) | bit(FLAG_USE_CLOCKID);
                m.setInt(92, CLOCK_MONOTONIC);
                m.setShort(108, (short) maxStack);
                if (stackCopy > 0) {
                    m.setLong(80, UserRegisters.MASK);
                    m.setInt(88, stackCopy);
                }
                if (countLost) {
                    m.setLong(32, READ_LOST);
                }
            } else {
                m.setLong(32, READ_TOTAL_TIME_ENABLED | READ_TOTAL_TIME_RUNNING);
            }
            if (inherit) {
                flags |= bit(FLAG_INHERIT);
            }
            if (frequency) {
                flags |= bit(FLAG_FREQ);
            }
            if (!kernel) {
                flags |= bit(FLAG_EXCLUDE_KERNEL) | bit(FLAG_EXCLUDE_CALLCHAIN_KERNEL);
            }
            m.setLong(40, flags);
            if (event.probeTarget() != null) {
                m.setLong(56, Pointer.nativeValue(probeTarget(event.probeTarget())));
                m.setLong(64, event.probeOffset());
            }
            return new Encoded(event, m);
        }

        private static long bit(int n) {
            return 1L << n;
        }
    }

    /**
     * Probe files and functions go to the kernel by pointer, and it reads them again whenever an inheriting event is
     * copied to a new thread: they must stay in place as long as any event may be inherited, so each distinct one is
     * kept for the life of the JVM (a pointer to freed memory made new threads fail with ENOENT, or worse).
     */
    private static final Map<String, Memory> PROBE_TARGETS = new ConcurrentHashMap<>();

    private static Memory probeTarget(String target) {
        return PROBE_TARGETS.computeIfAbsent(target, t -> {
            byte[] bytes = t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Memory m = new Memory(bytes.length + 1);
            m.write(0, bytes, 0, bytes.length);
            m.setByte(bytes.length, (byte) 0);
            return m;
        });
    }

    /** An attribute in native memory. */
    public record Encoded(EventSpec event, Memory attr) {
    }

    /** Opens the event for thread {@code tid} (−1: the calling process) on {@code cpu} (−1: any CPU). */
    public static PerfEvent open(Encoded attr, int tid, int cpu) throws PerfException {
        if (Syscall.PERF_EVENT_OPEN < 0) {
            throw new PerfException("perf_event_open: unknown system call number on " + System.getProperty("os.arch"),
                    Libc.ENOSYS);
        }
        try {
            return new PerfEvent((int) Syscall.call(Syscall.PERF_EVENT_OPEN, attr.attr(), tid, cpu, -1,
                    FLAG_FD_CLOEXEC));
        } catch (LastErrorException e) {
            String specific = attr.event().unavailable(e.getErrorCode());
            throw new PerfException(specific != null ? specific : explain(e.getErrorCode()), e.getErrorCode());
        }
    }

    /** The reason and the fix for an errno of perf_event_open. */
    static String explain(int errno) {
        String reason = Libc.strerror(errno);
        switch (errno) {
            case Libc.EACCES:
            case Libc.EPERM:
                return "perf_event_open refused (" + reason + "); kernel.perf_event_paranoid is " + paranoid()
                        + ": allow it with 'sysctl -w kernel.perf_event_paranoid=1' (or give the JVM CAP_PERFMON); in a"
                        + " container, the seccomp profile must allow perf_event_open";
            case Libc.ENOSYS:
                return "perf_event_open is not available (" + reason + "): the kernel was built without perf events,"
                        + " or a seccomp profile hides the system call";
            case Libc.EMFILE:
                return "too many open files (" + reason + "): raise the JVM's file limit (ulimit -n)";
            case Libc.ENOENT:
            case Libc.ENODEV:
            case Libc.EOPNOTSUPP:
                return "this kernel or machine does not support the event (" + reason + ")";
            default:
                return "perf_event_open failed: " + reason + " (errno " + errno + ")";
        }
    }

    /** kernel.perf_event_paranoid, or "unknown". */
    public static String paranoid() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/perf_event_paranoid")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    public int fd() {
        return fd;
    }

    public void enable() throws PerfException {
        ioctl(IOC_ENABLE, 0);
    }

    public void disable() throws PerfException {
        ioctl(IOC_DISABLE, 0);
    }

    /** Sends this event's records into the ring of {@code target} (same CPU). */
    public void redirectTo(PerfEvent target) throws PerfException {
        ioctl(IOC_SET_OUTPUT, target.fd);
    }

    private void ioctl(long request, long arg) throws PerfException {
        try {
            Libc.ioctl(fd, request, arg);
        } catch (LastErrorException e) {
            throw new PerfException("perf event ioctl " + Long.toHexString(request) + " failed: "
                    + Syscall.describe(e), e.getErrorCode());
        }
    }

    /** The id the kernel puts in this event's samples (and in those of the events it passes on to new threads). */
    public long id() throws PerfException {
        try (Memory out = new Memory(8)) {
            Libc.ioctl(fd, IOC_ID, out);
            return out.getLong(0);
        } catch (LastErrorException e) {
            throw new PerfException("cannot read a perf event id: " + Syscall.describe(e), e.getErrorCode());
        }
    }

    /** A tracepoint filter in the kernel's syntax ({@code size > 0 && fd == 1}); the kernel checks it. */
    public void setFilter(String filter) throws PerfException {
        byte[] bytes = filter.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (Memory text = new Memory(bytes.length + 1)) {
            text.write(0, bytes, 0, bytes.length);
            text.setByte(bytes.length, (byte) 0);
            Libc.ioctl(fd, IOC_SET_FILTER, text);
        } catch (LastErrorException e) {
            throw new PerfException("the kernel refused the filter '" + filter + "' (" + Syscall.describe(e)
                    + "): filters apply to tracepoints and use their field names, e.g. 'count > 0 && fd == 1'",
                    e.getErrorCode());
        }
    }

    /** A counter's value, with the time it was enabled and the time it really counted (less when multiplexed). */
    public record Count(long value, long enabled, long running) {
        /** The value scaled up to the whole enabled time, as perf stat reports it. */
        public long scaled() {
            return running == 0 ? 0 : running >= enabled ? value : (long) ((double) value * enabled / running);
        }

        public boolean multiplexed() {
            return running < enabled;
        }
    }

    /** Reads a counter opened by {@link Attr#counter}. */
    public Count readCount() throws PerfException {
        long[] v = read(3, "counter");
        return new Count(v[0], v[1], v[2]);
    }

    /**
     * Records the kernel could not write for this event, and for the threads it passed on to, since it was opened
     * with {@code countLost} (the read then gives the value and the lost count, nothing else). Unlike PERF_RECORD_LOST
     * this includes the latest losses: the kernel writes that record only with the ring's next record, which may never
     * come.
     */
    public long lost() throws PerfException {
        return read(2, "lost count")[1];
    }

    private long[] read(int longs, String what) throws PerfException {
        try (Memory out = new Memory(8L * longs)) {
            long n = Libc.read(fd, out, out.size());
            if (n < out.size()) {
                throw new PerfException("short read of a perf " + what + " (" + n + " bytes)", 5);
            }
            return out.getLongArray(0, longs);
        } catch (LastErrorException e) {
            throw new PerfException("cannot read a perf " + what + ": " + Syscall.describe(e), e.getErrorCode());
        }
    }

    /** Maps a ring of one metadata page and {@code dataPages} (a power of two) data pages. */
    public Pointer map(long length) throws PerfException {
        try {
            return Libc.mmap(null, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        } catch (LastErrorException e) {
            String hint = e.getErrorCode() == Libc.EPERM
                    ? "; the locked-memory limit for perf rings is reached (raise kernel.perf_event_mlock_kb or"
                            + " ulimit -l, or sample fewer threads)"
                    : "";
            throw new PerfException("cannot map a perf ring: " + Syscall.describe(e) + hint, e.getErrorCode());
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                Libc.close(fd);
            } catch (LastErrorException ignored) {
                // Nothing to do about a failed close of our own descriptor.
            }
        }
    }
}

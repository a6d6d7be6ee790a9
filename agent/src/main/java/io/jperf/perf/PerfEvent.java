package io.jperf.perf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jperf.linux.Libc;
import io.jperf.linux.Syscall;

import java.nio.file.Files;
import java.nio.file.Path;

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

    private static final long IOC_ENABLE = 0x2400;
    private static final long IOC_DISABLE = 0x2401;
    private static final long IOC_SET_OUTPUT = 0x2405;
    private static final int FLAG_FD_CLOEXEC = 8;
    private static final int CLOCK_MONOTONIC = 1;

    private final int fd;
    private boolean closed;

    private PerfEvent(int fd) {
        this.fd = fd;
    }

    /** What to sample: which event, how often, with which callchains. */
    public record Attr(EventSpec event, long period, boolean frequency, boolean inherit, boolean kernel,
            int maxStack) {
        Memory toMemory() {
            Memory m = new Memory(ATTR_SIZE);
            m.clear();
            m.setInt(0, event.type());
            m.setInt(4, ATTR_SIZE);
            m.setLong(8, event.config());
            m.setLong(16, period);
            m.setLong(24, SAMPLE_TID | SAMPLE_TIME | SAMPLE_CALLCHAIN | SAMPLE_PERIOD);
            long flags = bit(FLAG_DISABLED) | bit(FLAG_EXCLUDE_HV) | bit(FLAG_SAMPLE_ID_ALL) | bit(FLAG_USE_CLOCKID);
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
            m.setInt(92, CLOCK_MONOTONIC);
            m.setShort(108, (short) maxStack);
            return m;
        }

        private static long bit(int n) {
            return 1L << n;
        }
    }

    /** Opens the event for thread {@code tid} (−1: the calling process) on {@code cpu} (−1: any CPU). */
    public static PerfEvent open(Memory attr, int tid, int cpu) throws PerfException {
        if (Syscall.PERF_EVENT_OPEN < 0) {
            throw new PerfException("perf_event_open: unknown system call number on " + System.getProperty("os.arch"),
                    Libc.ENOSYS);
        }
        try {
            return new PerfEvent((int) Syscall.call(Syscall.PERF_EVENT_OPEN, attr, tid, cpu, -1, FLAG_FD_CLOEXEC));
        } catch (LastErrorException e) {
            throw new PerfException(explain(e.getErrorCode()), e.getErrorCode());
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

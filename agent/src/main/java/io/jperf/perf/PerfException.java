package io.jperf.perf;

/** perf_event_open or one of its ioctls/mmaps failed; the message says why and what to do. */
public final class PerfException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public PerfException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}

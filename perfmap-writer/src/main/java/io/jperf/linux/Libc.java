package io.jperf.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The C library functions jperf needs, bound once (JNA direct mapping). Errors throw with errno. */
public final class Libc {
    public static final int O_RDONLY = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_EXEC = 4;
    public static final int MAP_PRIVATE = 2;

    static {
        Native.register(Libc.class, NativeLibraries.libc());
    }

    private Libc() {
    }

    public static native int open(String path, int flags) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    public static native int munmap(Pointer addr, long length) throws LastErrorException;

    public static native int getpagesize();

    /** The message for an errno, as strerror gives it. */
    public static native String strerror(int errno);
}

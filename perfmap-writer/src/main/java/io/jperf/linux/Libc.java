package io.jperf.linux;

import com.sun.jna.Callback;
import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The C library functions jperf needs, bound once (JNA direct mapping). Errors throw with errno. */
public final class Libc {
    public static final int O_RDONLY = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_EXEC = 4;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int EACCES = 13;
    public static final int ENODEV = 19;
    public static final int EOPNOTSUPP = 95;
    public static final int E2BIG = 7;
    public static final int ENOSYS = 38;
    public static final short POLLIN = 1;

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

    public static final int MADV_DONTNEED = 4;

    /** madvise(2): with MADV_DONTNEED on a file mapping, its pages leave this process until read again. */
    public static native int madvise(Pointer addr, long length, int advice) throws LastErrorException;

    /**
     * The native address of a callback's direct form, in which JNA hands the native arguments to the Java method as
     * they are; its other form boxes them into an array for a reflective call, on whichever thread calls (JVMTI events
     * run on the JVM's threads and the application's). JNA builds the direct form only for a callback passed to a
     * direct-mapped function, and memmove of 0 bytes returns its destination: the callback's address.
     */
    public static Pointer directCallback(Callback callback) {
        return memmove(callback, callback, 0);
    }

    private static native Pointer memmove(Callback dest, Callback src, long n);

    public static native int ioctl(int fd, long request, long arg) throws LastErrorException;

    /** ioctl with a pointer argument (a string in, or a value out). */
    public static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

    public static native long read(int fd, Pointer buffer, long count) throws LastErrorException;

    public static native long write(int fd, byte[] buffer, long count) throws LastErrorException;

    public static final int MFD_CLOEXEC = 1;

    /** memfd_create(2): an anonymous file, which other code in this process can open as /proc/self/fd/N. */
    public static native int memfd_create(String name, int flags) throws LastErrorException;

    /** poll(2) over an array of struct pollfd {int fd; short events; short revents;}. */
    public static native int poll(Pointer fds, long nfds, int timeoutMillis) throws LastErrorException;

    /** The calling thread's kernel id (glibc 2.30+). */
    public static native int gettid();

    public static native int getuid();

    public static final int PRIO_PROCESS = 0;

    /** setpriority(2): with PRIO_PROCESS and a thread id, that thread's nice value. */
    public static native int setpriority(int which, int who, int prio) throws LastErrorException;

    /** The message for an errno, as strerror gives it. */
    public static native String strerror(int errno);
}

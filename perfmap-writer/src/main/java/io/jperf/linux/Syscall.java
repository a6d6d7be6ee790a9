package io.jperf.linux;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;
import com.sun.jna.Platform;

/**
 * System calls that glibc has no wrapper for, by number, through libc's {@code syscall(2)}. Numbers differ per
 * architecture; jperf knows those of the 64-bit Linux architectures JNA supports.
 */
public final class Syscall {
    private static final Function SYSCALL = NativeLibraries.libc().getFunction("syscall", Function.THROW_LAST_ERROR);

    /** perf_event_open(2) by architecture; -1 where unknown. */
    public static final long PERF_EVENT_OPEN = perfEventOpenNumber();

    private Syscall() {
    }

    private static long perfEventOpenNumber() {
        if (Platform.isIntel() && Platform.is64Bit()) {
            return 298;
        }
        if (Platform.isARM() && Platform.is64Bit() || Platform.ARCH.equals("riscv64")
                || Platform.ARCH.equals("loongarch64")) {
            return 241;
        }
        if (Platform.isPPC() && Platform.is64Bit()) {
            return 319;
        }
        if (Platform.ARCH.equals("s390x")) {
            return 331;
        }
        return -1;
    }

    /** Calls syscall {@code number} with integer or pointer arguments; throws with errno on −1. */
    public static long call(long number, Object... args) throws LastErrorException {
        Object[] all = new Object[args.length + 1];
        all[0] = number;
        System.arraycopy(args, 0, all, 1, args.length);
        return SYSCALL.invokeLong(all);
    }

    /** The message for an errno. */
    public static String describe(LastErrorException e) {
        return Libc.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
    }
}

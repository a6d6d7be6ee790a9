package io.jperf.perf;

/**
 * The user registers samples carry for unwinding: frame pointer, stack pointer and pc, as perf numbers them on this
 * machine (arch/x86/include/uapi/asm/perf_regs.h, arch/arm64/include/uapi/asm/perf_regs.h). The sample holds them in
 * the order of their bits, which is this order on both.
 */
final class UserRegisters {
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
    /** x86_64: BP 6, SP 7, IP 8. aarch64: X29 29, SP 31, PC 32. */
    static final long MASK = AARCH64 ? 1L << 29 | 1L << 31 | 1L << 32 : 1L << 6 | 1L << 7 | 1L << 8;

    private UserRegisters() {
    }
}

package io.jperf.perf;

import io.jperf.linux.Cpu;

/**
 * The user registers samples carry for unwinding: frame pointer, stack pointer, pc, and the register the template
 * interpreter keeps its bytecode pointer in (it stores it in the frame only when it calls out), as perf numbers them
 * on this machine (arch/x86/include/uapi/asm/perf_regs.h, arch/arm64/include/uapi/asm/perf_regs.h). The sample holds
 * them in the order of their bits.
 */
final class UserRegisters {
    /** x86_64: BP 6, SP 7, IP 8, R13 21. aarch64: X22 22, X29 29, SP 31, PC 32. */
    static final long MASK = Cpu.AARCH64 ? 1L << 22 | 1L << 29 | 1L << 31 | 1L << 32
            : 1L << 6 | 1L << 7 | 1L << 8 | 1L << 21;
    static final int COUNT = 4;
    /** Where each register is among those the sample holds. */
    static final int FP = Cpu.AARCH64 ? 1 : 0;
    static final int SP = FP + 1;
    static final int PC = FP + 2;
    static final int BCP = Cpu.AARCH64 ? 0 : 3;

    private UserRegisters() {
    }
}

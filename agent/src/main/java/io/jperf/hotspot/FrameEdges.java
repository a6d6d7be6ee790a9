package io.jperf.hotspot;

import com.sun.jna.Pointer;
import io.jperf.linux.Cpu;

/**
 * Where a compiled Java frame stands when its method is sampled in its prologue or epilogue, where the frame size
 * does not yet (or no longer) hold. The prologue ends at the blob's frame-complete address. HotSpot's x86_64
 * epilogues are {@code add rsp, N; pop rbp; cmp rsp, [r15 + polling word]; ja stub; ret}: from the {@code pop} on,
 * the caller's return address is on top of the stack or one word under it. The code is read in place: it lies in a
 * code heap, which stays committed while the JVM runs, inside the blob JVMTI reported.
 */
public final class FrameEdges {
    /** The frame is built: the frame size holds. */
    public static final int BUILT = 0;
    /** Not known here (another architecture, or no frame-complete offset). */
    public static final int UNKNOWN = -1;
    private static final int PUSH_RBP = 0x55;
    private static final int POP_RBP = 0x5d;
    private static final int REX_W = 0x48;
    private static final int SUB_IMM8 = 0x83;
    private static final int SUB_IMM32 = 0x81;
    private static final int SUB_RSP_MODRM = 0xec;
    private static final int JCC = 0x0f;
    private static final int JA = 0x87;
    private static final int RET = 0xc3;
    private static final int REX_WB = 0x49;
    private static final int CMP = 0x3b;
    /** ModRM of cmp rsp, [r15 + disp32] and [r15 + disp8]. */
    private static final int RSP_R15_DISP32 = 0xa7;
    private static final int RSP_R15_DISP8 = 0x67;
    /** Bytes read before the pc: a prologue up to the sub (bang 7, push 1, sub 7, barrier 14), or the poll. */
    private static final int BEFORE = 32;
    private static final int AFTER = 8;

    private FrameEdges() {
    }

    /**
     * How far above the stack pointer the caller's frame begins when {@code pc}, the sampled leaf of compiled code
     * in {@code [codeStart, codeEnd)}, is in an edge of its frame: 8 (the return address on top), 16 (under the saved
     * frame pointer), {@link #BUILT}, or {@link #UNKNOWN} on other machines.
     *
     * @param frameComplete where the prologue ends (0 when not known)
     */
    public static int callerOffset(long pc, long codeStart, long codeEnd, long frameComplete) {
        if (!Cpu.X86_64 || frameComplete <= 0 || pc < codeStart || pc >= codeEnd) {
            return UNKNOWN;
        }
        long from = Math.max(codeStart, pc - BEFORE);
        byte[] code = new Pointer(from).getByteArray(0, (int) (Math.min(codeEnd, pc + AFTER) - from));
        return callerOffset(code, (int) (pc - from), pc < frameComplete);
    }

    /** {@link #callerOffset(long, long, long, long)} for the code around the pc, at {@code at} in {@code code}. */
    static int callerOffset(byte[] code, int at, boolean prologue) {
        return prologue ? inPrologue(code, at) : inEpilogue(code, at);
    }

    /**
     * The prologue is a stack bang, then {@code push rbp; sub rsp, N} (or {@code sub rsp, N} and a store of rbp into
     * the frame), then, in recent JDKs, an entry barrier: from the sub on the frame is built; before it the return
     * address is on top, or under rbp just pushed.
     */
    private static int inPrologue(byte[] code, int at) {
        for (int i = at - 4; i >= 0; i--) {
            int sub = subRspLength(code, i);
            if (sub > 0 && i + sub <= at) {
                return BUILT;
            }
        }
        return at >= 1 && (code[at - 1] & 0xFF) == PUSH_RBP ? 16 : 8;
    }

    /** The length of {@code sub rsp, imm8} or {@code sub rsp, imm32} at {@code i}, or 0. */
    private static int subRspLength(byte[] code, int i) {
        if (i + 2 >= code.length || (code[i] & 0xFF) != REX_W || (code[i + 2] & 0xFF) != SUB_RSP_MODRM) {
            return 0;
        }
        int op = code[i + 1] & 0xFF;
        return op == SUB_IMM8 ? 4 : op == SUB_IMM32 ? 7 : 0;
    }

    private static int inEpilogue(byte[] code, int at) {
        int op = code[at] & 0xFF;
        if (op == POP_RBP) {
            return 16;
        }
        if (op == RET || isPoll(code, at)) {
            return 8;
        }
        // ja to the poll's stub, right after the poll.
        boolean ja = at + 1 < code.length && op == JCC && (code[at + 1] & 0xFF) == JA;
        return ja && (at >= 7 && isPoll(code, at - 7) || at >= 4 && isPoll(code, at - 4)) ? 8 : BUILT;
    }

    private static boolean isPoll(byte[] code, int at) {
        return at + 2 < code.length && (code[at] & 0xFF) == REX_WB && (code[at + 1] & 0xFF) == CMP
                && ((code[at + 2] & 0xFF) == RSP_R15_DISP32 || (code[at + 2] & 0xFF) == RSP_R15_DISP8);
    }
}

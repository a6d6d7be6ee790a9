package io.jperf.stack;

import io.jperf.hotspot.InterpretedMethods;
import io.jperf.linux.Cpu;
import io.jperf.perf.Sample;
import io.jperf.symbols.CallFrameInfo;
import io.jperf.symbols.NativeSymbols;

/**
 * Unwinds the user part of a sample from the registers and the stack copy it carries ({@code cstack=dwarf}): native
 * code by its file's DWARF call frame information, so that callers of libraries built without frame pointers are
 * found; JIT-compiled Java by its frame size (HotSpot keeps no frame pointer there unless -XX:+PreserveFramePointer);
 * the rest (the interpreter, stubs, code without rules) by frame pointers, which lay out [fp] = caller's fp,
 * [fp+8] = return address on x86_64 and aarch64 alike. Where the copy ends, the
 * kernel's frame-pointer chain goes on from the same return address if it has it. An interpreted frame is written as
 * {@link #INTERPRETED_FRAME} followed by the Method* its frame holds and its bytecode pointer, for the resolver to
 * name. Used by one thread.
 */
public final class DwarfUnwinder {
    private static final long CONTEXT_USER = -512L;
    /**
     * Marks an interpreted frame in a callchain: the next entries are its Method* and bytecode pointer (0 when not
     * known). (perf leaves this value unused.)
     */
    public static final long INTERPRETED_FRAME = -3000L;
    /** How far above an interpreter frame its saved sender sp may lie (arguments of the call). */
    private static final long MAX_ADAPTER_BYTES = 64 * 1024;
    private static final CallFrameInfo.Arch ARCH = Cpu.AARCH64 ? CallFrameInfo.Arch.AARCH64
            : CallFrameInfo.Arch.X86_64;

    private final NativeSymbols natives;
    private final JitCode jit;

    /** What the unwinder needs to know of the JVM's own code at a pc. */
    public interface JitCode {
        /** {@link #frameAt} of the interpreter, whose frames keep the Method* below the frame pointer. */
        int INTERPRETER = 0;
        /** {@link #frameAt} of code that is not the JVM's: native code, unwound by its call frame information. */
        int OTHER = -1;
        /** {@link #frameAt} of the JVM's other code (stubs, or compiled code of unknown frame size): frame pointers. */
        int STUB = -2;

        /**
         * The frame size in bytes of compiled Java code at {@code pc} at {@code time} (the sample's), or
         * {@link #INTERPRETER}, {@link #STUB} or {@link #OTHER}.
         */
        int frameAt(long pc, long time);

        /**
         * For a sampled pc in compiled Java: how far above the stack pointer its caller's frame begins when the pc
         * is in its prologue or epilogue (8 or 16), 0 when the frame is built, −1 when not known.
         */
        int callerOffset(long pc, long time);

        /** Whether {@code address} is in code: JIT code or a mapped file's (to tell a return address from data). */
        boolean isCode(long address, long time);
    }

    public DwarfUnwinder(NativeSymbols natives, JitCode jit) {
        this.natives = natives;
        this.jit = jit;
    }

    /**
     * The sample's callchain with its user part unwound here: the kernel frames as perf gave them, the user marker,
     * then the user frames, leaf first. A sample without a stack copy keeps its callchain.
     *
     * @return the length written to {@code out}
     */
    public int chain(Sample s, long[] out) {
        long[] chain = s.chain();
        int length = s.chainLength();
        if (s.stackSize() == 0) {
            int n = Math.min(length, out.length);
            System.arraycopy(chain, 0, out, 0, n);
            return n;
        }
        int n = 0;
        int userAt = length;
        for (int i = 0; i < length; i++) {
            if (chain[i] == CONTEXT_USER) {
                userAt = i;
                break;
            }
            if (n < out.length) {
                out[n++] = chain[i];
            }
        }
        if (n + 1 >= out.length) {
            return n;
        }
        out[n++] = CONTEXT_USER;
        return unwind(s, chain, userAt + 1, length, out, n);
    }

    private int unwind(Sample s, long[] kernelChain, int userFrom, int userTo, long[] out, int n) {
        long pc = s.userPc();
        long sp = s.userSp();
        long fp = s.userFp();
        boolean leaf = true;
        while (n < out.length) {
            // JIT code first: it has no CFI, and looking for rules there would search the mappings in vain.
            int frame = jit.frameAt(leaf ? pc : pc - 1, s.time());
            CallFrameInfo.Row row = frame == JitCode.OTHER ? row(leaf ? pc : pc - 1) : null;
            long methodAt = fp + InterpretedMethods.METHOD_SLOT;
            if (frame == JitCode.INTERPRETER && n + 2 < out.length && fp >= sp && s.inStack(methodAt)) {
                out[n++] = INTERPRETED_FRAME;
                out[n++] = s.stackLong(methodAt);
                // The interpreter keeps the bytecode pointer in a register, and in its frame when it calls out.
                long bcpAt = fp + InterpretedMethods.BCP_SLOT;
                out[n++] = leaf ? s.userBcp() : InterpretedMethods.BCP_SLOT != 0 && s.inStack(bcpAt)
                        ? s.stackLong(bcpAt) : 0;
            } else {
                out[n++] = pc;
            }
            if (row != null && row.ra().kind() == CallFrameInfo.RuleKind.UNDEFINED) {
                break; // the outermost frame (a new thread's clone, _start): its CFI says there is no caller
            }
            long ra;
            long callerSp;
            long callerFp = fp;
            if (row != null && !row.cfaExpression() && row.ra().kind() == CallFrameInfo.RuleKind.OFFSET) {
                long base = row.cfaRegister() == ARCH.sp() ? sp : row.cfaRegister() == ARCH.fp() ? fp : -1;
                if (base == -1) {
                    break;
                }
                long cfa = base + row.cfaOffset();
                long raAt = cfa + row.ra().offset();
                if (!s.inStack(raAt)) {
                    return continueWithKernel(s, pc, kernelChain, userFrom, userTo, out, n);
                }
                ra = s.stackLong(raAt);
                if (row.fp().kind() == CallFrameInfo.RuleKind.OFFSET) {
                    long fpAt = cfa + row.fp().offset();
                    if (!s.inStack(fpAt)) {
                        return continueWithKernel(s, pc, kernelChain, userFrom, userTo, out, n);
                    }
                    callerFp = s.stackLong(fpAt);
                }
                callerSp = cfa;
            } else if (frame > 0 && !(fp >= sp && fp + 16 <= sp + frame)) {
                // Compiled Java without a frame pointer in its frame (no -XX:+PreserveFramePointer): the return
                // address and the caller's fp are the frame's top two words. (With one, the frame-pointer step
                // below is preferred: it also holds where the frame's size misleads, as in OSR frames.)
                callerSp = sp + frame;
                int edge = leaf ? jit.callerOffset(pc, s.time()) : 0;
                if (edge > 0) {
                    callerSp = sp + edge; // sampled in the prologue or epilogue: the frame is not (or no longer) built
                } else if (edge < 0 && !(s.inStack(callerSp - 8) && jit.isCode(s.stackLong(callerSp - 8), s.time()))) {
                    // Where the edges are not known: the return address is on top, or under the saved fp.
                    callerSp = s.inStack(sp) && jit.isCode(s.stackLong(sp), s.time()) ? sp + 8 : sp + 16;
                }
                if (!s.inStack(callerSp - 8)) {
                    return continueWithKernel(s, pc, kernelChain, userFrom, userTo, out, n);
                }
                ra = s.stackLong(callerSp - 8);
                callerFp = callerSp - sp == 8 ? fp : s.stackLong(callerSp - 16);
            } else if (!Cpu.AARCH64 && (row != null && row.cfaExpression() || row == null && leaf
                    && frame == JitCode.OTHER && s.inStack(sp) && jit.isCode(s.stackLong(sp), s.time()))) {
                // PLT entries, and system call wrappers whose CFI ends before the syscall (glibc's clone3): the
                // return address is on top of the stack.
                if (!s.inStack(sp)) {
                    break;
                }
                ra = s.stackLong(sp);
                callerSp = sp + 8;
            } else {
                if (fp < sp || !s.inStack(fp + 8)) {
                    return continueWithKernel(s, pc, kernelChain, userFrom, userTo, out, n);
                }
                callerFp = s.stackLong(fp);
                ra = s.stackLong(fp + 8);
                callerSp = fp + 16;
                if (frame == JitCode.INTERPRETER && s.inStack(fp + InterpretedMethods.SENDER_SP_SLOT)) {
                    // The caller's sp as the interpreter saved it: a compiled caller's frame ends there, below
                    // the arguments an adapter pushed for the interpreter.
                    long senderSp = s.stackLong(fp + InterpretedMethods.SENDER_SP_SLOT);
                    if (senderSp > sp && senderSp <= fp + 16 + MAX_ADAPTER_BYTES) {
                        callerSp = senderSp;
                    }
                }
            }
            if (ra == 0 || callerSp <= sp) {
                break; // the outermost frame, or no progress: the stack is not what the rules say
            }
            pc = ra;
            sp = callerSp;
            fp = callerFp;
            leaf = false;
        }
        return n;
    }

    /**
     * Past the stack copy: the kernel's frame-pointer chain has the rest when it reached this frame too (it walks the
     * live stack); its entries after the same return address follow, up to the first that is not code (without
     * frame pointers the kernel's chain soon runs into data).
     */
    private int continueWithKernel(Sample s, long pc, long[] chain, int from, int to, long[] out, int n) {
        for (int i = from; i < to; i++) {
            if (chain[i] == pc) {
                for (int j = i + 1; j < to && n < out.length && jit.isCode(chain[j], s.time()); j++) {
                    out[n++] = chain[j];
                }
                break;
            }
        }
        return n;
    }

    /** The rule at an address (its file's call frame information keeps the rows it found, by range). */
    private CallFrameInfo.Row row(long address) {
        return address == 0 || natives == null ? null : natives.unwindRow(address);
    }
}

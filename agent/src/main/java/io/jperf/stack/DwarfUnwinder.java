package io.jperf.stack;

import io.jperf.collect.LongMap;
import io.jperf.hotspot.InterpretedMethods;
import io.jperf.perf.Sample;
import io.jperf.symbols.CallFrameInfo;
import io.jperf.symbols.NativeSymbols;

import java.util.function.LongPredicate;

/**
 * Unwinds the user part of a sample from the registers and the stack copy it carries ({@code cstack=dwarf}): native
 * code by its file's DWARF call frame information, so that callers of libraries built without frame pointers are
 * found; code without it (JIT-compiled Java with -XX:+PreserveFramePointer, the interpreter, stubs) by frame pointers,
 * which lay out [fp] = caller's fp, [fp+8] = return address on x86_64 and aarch64 alike. Where the copy ends, the
 * kernel's frame-pointer chain goes on from the same return address if it has it. An interpreted frame is written as
 * {@link #INTERPRETED_FRAME} followed by the Method* its frame holds, for the resolver to name. Rules are cached by
 * address; used by one thread.
 */
public final class DwarfUnwinder {
    private static final long CONTEXT_USER = -512L;
    /** Marks an interpreted frame in a callchain: the next entry is its Method*. (perf leaves this value unused.) */
    public static final long INTERPRETED_FRAME = -3000L;
    private static final int MAX_CACHED_ROWS = 1 << 16;
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
    private static final CallFrameInfo.Arch ARCH = AARCH64 ? CallFrameInfo.Arch.AARCH64 : CallFrameInfo.Arch.X86_64;

    private final NativeSymbols natives;
    private final LongPredicate interpreter;
    private LongMap<CallFrameInfo.Row> rows = new LongMap<>();

    /**
     * @param interpreter whether a pc is in HotSpot's interpreter (its frames keep the Method* below the frame
     *                    pointer)
     */
    public DwarfUnwinder(NativeSymbols natives, LongPredicate interpreter) {
        this.natives = natives;
        this.interpreter = interpreter;
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
            long methodAt = fp + InterpretedMethods.METHOD_SLOT;
            if (n + 1 < out.length && fp >= sp && s.inStack(methodAt) && interpreter.test(pc)) {
                out[n++] = INTERPRETED_FRAME;
                out[n++] = s.stackLong(methodAt);
            } else {
                out[n++] = pc;
            }
            CallFrameInfo.Row row = row(leaf ? pc : pc - 1);
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
                    return continueWithKernel(pc, kernelChain, userFrom, userTo, out, n);
                }
                ra = s.stackLong(raAt);
                if (row.fp().kind() == CallFrameInfo.RuleKind.OFFSET) {
                    long fpAt = cfa + row.fp().offset();
                    if (!s.inStack(fpAt)) {
                        return continueWithKernel(pc, kernelChain, userFrom, userTo, out, n);
                    }
                    callerFp = s.stackLong(fpAt);
                }
                callerSp = cfa;
            } else if (row != null && row.cfaExpression() && !AARCH64) {
                // PLT entries: the return address is on top of the stack.
                if (!s.inStack(sp)) {
                    break;
                }
                ra = s.stackLong(sp);
                callerSp = sp + 8;
            } else {
                if (fp < sp || !s.inStack(fp + 8)) {
                    return continueWithKernel(pc, kernelChain, userFrom, userTo, out, n);
                }
                callerFp = s.stackLong(fp);
                ra = s.stackLong(fp + 8);
                callerSp = fp + 16;
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
     * live stack); its entries after the same return address follow.
     */
    private static int continueWithKernel(long pc, long[] chain, int from, int to, long[] out, int n) {
        for (int i = from; i < to; i++) {
            if (chain[i] == pc) {
                for (int j = i + 1; j < to && n < out.length; j++) {
                    out[n++] = chain[j];
                }
                break;
            }
        }
        return n;
    }

    /** The rule at an address; only found rules are cached (a library may be mapped where nothing was). */
    private CallFrameInfo.Row row(long address) {
        CallFrameInfo.Row row = rows.get(address);
        if (row == null && natives != null) {
            row = natives.unwindRow(address);
            if (row != null) {
                if (rows.size() >= MAX_CACHED_ROWS) {
                    rows = new LongMap<>();
                }
                rows.put(address, row);
            }
        }
        return row;
    }
}

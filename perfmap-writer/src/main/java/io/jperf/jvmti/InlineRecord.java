package io.jperf.jvmti;

import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The PC table of one compiled method, copied out of CompiledMethodLoad's {@code compile_info} (jvmticmlr.h), which the
 * JVM frees when the callback returns.
 *
 * <p>Entry {@code i} covers absolute address {@link #pcs}[i]; its frames are {@code frameStart[i] ..
 * frameStart[i+1]-1} in {@link #methods}/{@link #bcis}, innermost first: the last frame of an entry is the compiled
 * method itself, the ones before it are inlined into it.
 */
public final class InlineRecord {
    private static final int KIND_INLINE_INFO = 2;
    private static final int HEADER_NEXT = 16;
    private static final int NUM_PCS = 24;
    private static final int PC_INFO = 32;
    private static final int PC_STACK_INFO_SIZE = 32;
    private static final int PC_OFFSET = 0;
    private static final int DEPTH = 8;
    private static final int METHODS = 16;
    private static final int BCIS = 24;
    public static final InlineRecord EMPTY = new InlineRecord(new long[0], new int[] {0}, new long[0], new int[0]);

    public final long[] pcs;
    public final int[] frameStart;
    public final long[] methods;
    public final int[] bcis;

    public InlineRecord(long[] pcs, int[] frameStart, long[] methods, int[] bcis) {
        this.pcs = pcs;
        this.frameStart = frameStart;
        this.methods = methods;
        this.bcis = bcis;
    }

    public int size() {
        return pcs.length;
    }

    /**
     * Copies the first inline-info record in the chain starting at {@code compileInfo}; empty when there is none.
     * Runs on the Service Thread: bulk reads only, no lookups.
     */
    public static InlineRecord copy(long compileInfo) {
        for (long rec = compileInfo; rec != 0; rec = new Pointer(rec).getLong(HEADER_NEXT)) {
            Pointer header = new Pointer(rec);
            if (header.getInt(0) == KIND_INLINE_INFO) {
                return copyInline(header.getInt(NUM_PCS), header.getLong(PC_INFO));
            }
        }
        return EMPTY;
    }

    private static InlineRecord copyInline(int numPcs, long pcInfo) {
        if (numPcs <= 0 || pcInfo == 0) {
            return EMPTY;
        }
        ByteBuffer infos = new Pointer(pcInfo).getByteBuffer(0, (long) numPcs * PC_STACK_INFO_SIZE)
                .order(ByteOrder.nativeOrder());
        long[] pcs = new long[numPcs];
        int[] frameStart = new int[numPcs + 1];
        int frames = 0;
        for (int i = 0; i < numPcs; i++) {
            int at = i * PC_STACK_INFO_SIZE;
            pcs[i] = infos.getLong(at + PC_OFFSET);
            frameStart[i] = frames;
            frames += Math.max(0, infos.getInt(at + DEPTH));
        }
        frameStart[numPcs] = frames;
        long[] methods = new long[frames];
        int[] bcis = new int[frames];
        Pointer cursor = new Pointer(0); // moved along the records: one object for a method's thousands of pcs
        for (int i = 0; i < numPcs; i++) {
            int at = i * PC_STACK_INFO_SIZE;
            int depth = frameStart[i + 1] - frameStart[i];
            if (depth > 0) {
                Pointer.nativeValue(cursor, infos.getLong(at + METHODS));
                cursor.read(0, methods, frameStart[i], depth);
                Pointer.nativeValue(cursor, infos.getLong(at + BCIS));
                cursor.read(0, bcis, frameStart[i], depth);
            }
        }
        return new InlineRecord(pcs, frameStart, methods, bcis);
    }
}

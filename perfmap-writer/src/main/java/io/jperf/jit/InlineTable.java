package io.jperf.jit;

import java.util.Arrays;
import java.util.Set;

/**
 * The scopes of one compiled method: for each PC the JVM recorded (calls, safepoints), the chain of Java frames
 * executing there, innermost first and ending with the compiled method itself.
 *
 * <p>A scope covers the code up to and including its PC: HotSpot records the address after a call and at a poll,
 * so an instruction belongs to the first recorded PC at or after it.
 */
public final class InlineTable {
    public static final InlineTable NONE = new InlineTable(new int[0], new int[] {0}, new MethodRef[0], new int[0]);

    private final int[] pcOffsets;
    private final int[] frameStart;
    private final MethodRef[] methods;
    private final int[] bcis;

    InlineTable(int[] pcOffsets, int[] frameStart, MethodRef[] methods, int[] bcis) {
        this.pcOffsets = pcOffsets;
        this.frameStart = frameStart;
        this.methods = methods;
        this.bcis = bcis;
    }

    /** Number of recorded PCs. */
    public int size() {
        return pcOffsets.length;
    }

    /** The scope covering a code offset, or −1 when the offset lies past the last recorded PC. */
    public int scopeAt(long offset) {
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            return -1;
        }
        int i = Arrays.binarySearch(pcOffsets, (int) offset);
        if (i < 0) {
            i = -i - 1;
        }
        return i < pcOffsets.length ? i : -1;
    }

    public int pcOffset(int scope) {
        return pcOffsets[scope];
    }

    /** Frames in a scope: 1 when nothing is inlined there. */
    public int depth(int scope) {
        return frameStart[scope + 1] - frameStart[scope];
    }

    /** The method at a level of a scope, 0 being the innermost. */
    public MethodRef method(int scope, int level) {
        return methods[frameStart[scope] + level];
    }

    public int bci(int scope, int level) {
        return bcis[frameStart[scope] + level];
    }

    public int line(int scope, int level) {
        return method(scope, level).lineAt(bci(scope, level));
    }

    boolean refersToAny(Set<MethodRef> set) {
        for (MethodRef m : methods) {
            if (set.contains(m)) {
                return true;
            }
        }
        return false;
    }
}

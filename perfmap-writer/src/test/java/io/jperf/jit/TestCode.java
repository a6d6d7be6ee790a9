package io.jperf.jit;

import java.util.ArrayList;
import java.util.List;

/** Builds code cache content by hand for tests of readers and writers. */
public final class TestCode {
    private final CodeCache cache;
    private final List<CodeBlob> displaced = new ArrayList<>();

    public TestCode() {
        this(1_000, 100);
    }

    public TestCode(long retainDeadNanos, int maxDead) {
        cache = new CodeCache(retainDeadNanos, maxDead);
    }

    public static MethodRef method(String className, String name, String descriptor, String source, int... lines) {
        return new MethodRef(className, name, descriptor, source, lines);
    }

    /** One scope per PC; each frame is {method, bci}, innermost first. */
    public static InlineTable inlining(int[] pcOffsets, Object[][][] scopes) {
        int[] frameStart = new int[pcOffsets.length + 1];
        List<MethodRef> methods = new ArrayList<>();
        List<Integer> bcis = new ArrayList<>();
        for (int i = 0; i < scopes.length; i++) {
            frameStart[i] = methods.size();
            for (Object[] frame : scopes[i]) {
                methods.add((MethodRef) frame[0]);
                bcis.add((Integer) frame[1]);
            }
        }
        frameStart[scopes.length] = methods.size();
        return new InlineTable(pcOffsets, frameStart, methods.toArray(new MethodRef[0]),
                bcis.stream().mapToInt(Integer::intValue).toArray());
    }

    public TestCode load(CodeBlob blob, long time) {
        cache.add(blob, time, time, displaced);
        return this;
    }

    public TestCode unload(long start, long time) {
        cache.remove(start, time);
        return this;
    }

    public CodeCache.Snapshot snapshot(long now) {
        return cache.publish(now);
    }
}

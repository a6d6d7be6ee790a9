package io.jperf.samples;

import java.util.function.LongUnaryOperator;

/**
 * Loaded again and again by fresh class loaders ({@link Churn}), so every copy is a new class whose methods the JIT
 * compiles anew and which is unloaded when its loader is dropped. Refers to nothing but java.base.
 */
public final class ChurnTemplate implements LongUnaryOperator {
    @Override
    public long applyAsLong(long x) {
        return step3(step2(step1(x)));
    }

    private static long step1(long x) {
        long h = x;
        for (int i = 0; i < 8; i++) {
            h = h * 31 + i;
        }
        return h;
    }

    private long step2(long x) {
        return Long.rotateLeft(x, 7) ^ step4(x);
    }

    private static long step3(long x) {
        return x % 1_000_003 + (x >>> 17);
    }

    private static long step4(long x) {
        return x * 0x9E37_79B9L;
    }
}

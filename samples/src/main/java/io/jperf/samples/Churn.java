package io.jperf.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

/** Compilation and class unloading on demand: copies of {@link ChurnTemplate}, each in its own class loader. */
final class Churn {
    private static final byte[] TEMPLATE = readTemplate();
    static volatile long sink;

    private Churn() {
    }

    private static byte[] readTemplate() {
        try (InputStream in = Churn.class.getResourceAsStream("ChurnTemplate.class")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loader for exactly one copy of the template. */
    private static final class OneClassLoader extends ClassLoader {
        OneClassLoader() {
            super("churn", ClassLoader.getPlatformClassLoader());
        }

        LongUnaryOperator newCopy() throws ReflectiveOperationException {
            Class<?> c = defineClass(ChurnTemplate.class.getName(), TEMPLATE, 0, TEMPLATE.length);
            return (LongUnaryOperator) c.getDeclaredConstructor().newInstance();
        }
    }

    /** Runs a copy hot enough for the JIT to compile its methods. */
    private static long exercise(LongUnaryOperator op, int calls) {
        long x = 1;
        for (int i = 0; i < calls; i++) {
            x = op.applyAsLong(x + i);
        }
        return x;
    }

    /** New classes, compiled and dropped, until the deadline; a GC every so often unloads them. */
    static void churn(long deadline) throws ReflectiveOperationException {
        long classes = 0;
        while (System.nanoTime() < deadline) {
            sink = exercise(new OneClassLoader().newCopy(), 30_000);
            if (++classes % 50 == 0) {
                System.gc();
            }
        }
        System.gc();
        System.out.println("churn: " + classes + " classes compiled and dropped");
    }

    /** {@code count} classes compiled and kept alive, then idle until the deadline: a big, stable code cache. */
    static void bigCode(int count, long deadline) throws ReflectiveOperationException, InterruptedException {
        List<LongUnaryOperator> kept = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            LongUnaryOperator op = new OneClassLoader().newCopy();
            sink = exercise(op, 12_000);
            kept.add(op);
        }
        System.out.println("bigcode: " + kept.size() + " classes compiled and kept");
        System.out.flush();
        Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
        sink = kept.size();
    }
}

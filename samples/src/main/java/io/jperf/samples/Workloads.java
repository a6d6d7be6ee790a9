package io.jperf.samples;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.zip.Deflater;

/** Single-threaded workloads; each runs on a thread of its own name until a deadline. */
final class Workloads {
    private Workloads() {
    }

    /** One kind of work, repeated; counts its operations. */
    abstract static class Workload {
        private final String threadName;
        private long operations;

        Workload(String threadName) {
            this.threadName = threadName;
        }

        String threadName() {
            return threadName;
        }

        long operations() {
            return operations;
        }

        void runUntil(long deadline) {
            while (System.nanoTime() < deadline) {
                operate();
                operations++;
            }
        }

        abstract void operate();
    }

    static volatile long sink;

    /** Pure Java: {@link #hotLoop(long)} with {@link #mix(long, int)} inlined into it. No allocation, no calls out. */
    static Workload hotLoop() {
        return new Workload("hot-loop") {
            private long seed = 1;

            @Override
            void operate() {
                seed = hotLoop(seed);
                sink = seed;
            }
        };
    }

    static long hotLoop(long seed) {
        long x = seed;
        for (int i = 0; i < 200_000; i++) {
            x = mix(x, i);
        }
        return x;
    }

    static long mix(long x, int i) {
        return (x ^ (x >>> 29)) * 0x9E37_79B9_7F4A_7C15L + i;
    }

    /** Compression through java.util.zip: most time in libz. */
    static Workload zlib() {
        byte[] input = new byte[64 * 1024];
        Random random = new Random(42);
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) ('a' + random.nextInt(6));
        }
        byte[] output = new byte[input.length + 1024];
        return new Workload("zlib") {
            private final Deflater deflater = new Deflater(6);

            @Override
            void operate() {
                deflater.reset();
                deflater.setInput(input);
                deflater.finish();
                int n = 0;
                while (!deflater.finished()) {
                    n += deflater.deflate(output);
                }
                sink = n;
            }
        };
    }

    /** Small unbuffered writes: each is a write(2) system call. */
    static Workload devNull() {
        FileOutputStream out;
        try {
            out = new FileOutputStream("/dev/null");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] buffer = new byte[64];
        return new Workload("syscall") {
            @Override
            void operate() {
                try {
                    out.write(buffer);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** A thread that works for about a millisecond, then sleeps for a few. */
    static Workload burst(int index) {
        return new Workload("burst-" + index) {
            @Override
            void operate() {
                sink = hotLoop(index);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }
}

package io.jperf.samples;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
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
        private long cpuNanos;

        Workload(String threadName) {
            this.threadName = threadName;
        }

        String threadName() {
            return threadName;
        }

        long operations() {
            return operations;
        }

        /** CPU time the thread used for its work (the truth profiles are checked against). */
        long cpuNanos() {
            return cpuNanos;
        }

        void runUntil(long deadline) {
            long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            while (System.nanoTime() < deadline) {
                operate();
                operations++;
            }
            cpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart;
        }

        abstract void operate();
    }

    static volatile long sink;

    /**
     * Pure Java: {@link #hotLoop(long)} with {@link #mix(long, int)} inlined into it, and {@link #scramble(long)} (too
     * big to inline) called from the inlined helper. No allocation, no native code.
     */
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
        long y = (x ^ (x >>> 29)) * 0x9E37_79B9_7F4A_7C15L + i;
        return (i & 63) == 0 ? scramble(y) : y;
    }

    /** Long enough (over 325 bytes of bytecode) that the JIT calls it instead of inlining it. */
    static long scramble(long x) {
        long a = x;
        long b = x * 31;
        long c = x ^ 0x5DEE_CE66DL;
        long d = x >>> 7;
        for (int round = 0; round < 4; round++) {
            a = a * 0x9E37_79B9L + b;
            b = Long.rotateLeft(b ^ c, 13) + d;
            c = c * 0xBF58_476D_1CE4_E5B9L ^ (a >>> 17);
            d = d + (a ^ b ^ c) * 0x94D0_49BB_1331_11EBL;
            a = a ^ (d >>> 31) ^ (c << 3);
            b = b * 0xD6E8_FEB8_6659_FD93L + (a >>> 11);
            c = Long.rotateRight(c + d, 27) ^ (b * 7);
            d = d ^ (c >>> 19) ^ (a * 0x9FB2_1C65_1E98_DF25L);
            a = a + Long.rotateLeft(d, 5) * 3 + (b ^ 0x2545_F491_4F6C_DD1DL);
            b = b ^ (a >>> 23) ^ Long.rotateLeft(c, 41);
            c = c * 0x1000_0000_01B3L + (d ^ (d >>> 29));
            d = d * 0xFF51_AFD7_ED55_8CCDL ^ (a + b + c);
            a = a ^ Long.rotateRight(b, 9) ^ (c * 0xC4CE_B9FE_1A85_EC53L);
            b = b + (d >>> 13) * 0x9E37_79B9_7F4A_7C15L;
            c = c ^ (a >>> 33) ^ (b << 7) ^ (d >>> 3);
            d = d + Long.rotateLeft(a ^ c, 17) * 0x2127_599B_F432_5C37L;
        }
        return a ^ b ^ c ^ d;
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

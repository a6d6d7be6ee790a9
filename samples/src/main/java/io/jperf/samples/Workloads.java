package io.jperf.samples;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        private long wallNanos;

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

        /** Works until {@code deadline}, counting operations and CPU from {@code countFrom} on (System.nanoTime). */
        void runUntil(long countFrom, long deadline) {
            while (System.nanoTime() < countFrom) {
                operate();
            }
            long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            while (System.nanoTime() < deadline) {
                operate();
                operations++;
            }
            cpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart;
        }

        /**
         * Exactly {@code count} operations: the truth event counts are checked against. CPU and wall time are those of
         * the counted operations alone, without {@link #prepare()} and {@link #finish()}.
         */
        void runTimes(long count) {
            prepare();
            long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            long wallStart = System.nanoTime();
            for (long i = 0; i < count; i++) {
                operate();
                operations++;
            }
            wallNanos = System.nanoTime() - wallStart;
            cpuNanos = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart;
            finish();
        }

        /** Wall time of the counted operations. */
        long wallNanos() {
            return wallNanos;
        }

        /** Before counted operations, on the workload's thread. */
        void prepare() {
        }

        /** After counted operations, on the workload's thread. */
        void finish() {
        }

        abstract void operate();
    }

    /** Runs {@code work} {@code depth} calls down (each call a frame of this method). */
    static void atDepth(int depth, Runnable work) {
        if (depth <= 0) {
            work.run();
        } else {
            atDepth(depth - 1, work);
        }
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

    /**
     * Pure Java meant to stay in the interpreter: run with
     * {@code -XX:CompileCommand=exclude,io.jperf.samples.Workloads::interpretedLoop} and nearly all of the thread's time
     * is the interpreter running that method.
     */
    static Workload interpreted() {
        return new Workload("interpreter") {
            private long seed = 1;

            @Override
            void operate() {
                seed = interpretedLoop(seed);
                sink = seed;
            }
        };
    }

    static long interpretedLoop(long seed) {
        long x = seed;
        for (int i = 0; i < 20_000; i++) {
            x = (x ^ (x >>> 29)) * 0x9E37_79B9_7F4A_7C15L + i;
        }
        return x;
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
        FileOutputStream out = openDevNull();
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

    /**
     * Keeps {@code objects} small objects reachable, linked so that marking visits each, and collects the whole heap
     * (System.gc()) once an operation: each a stop-the-world pause of a second or so with -XX:+UseSerialGC. Between
     * pauses it and a second thread work for a while, so that every CPU takes samples again: before Linux 6.0, where
     * events keep no lost count, a ring that overflowed reports its losses only with the next record it takes.
     */
    static Workload collector(int objects) {
        return new Workload("collector") {
            private Object[] kept;
            private volatile boolean done;
            private Thread spinner;

            @Override
            void prepare() {
                Object[] chain = null;
                for (int i = 0; i < objects; i++) {
                    chain = new Object[] {chain};
                }
                kept = chain;
                spinner = new Thread(() -> {
                    while (!done) {
                        sink = hotLoop(sink);
                    }
                }, "collector-spinner");
                spinner.start();
            }

            @Override
            void operate() {
                System.gc();
                long until = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < until) {
                    sink = hotLoop(sink);
                }
            }

            @Override
            void finish() {
                kept = null;
                done = true;
                try {
                    spinner.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** Bytes per counted write; warm-up writes use twice as many, so a filter on the size tells them apart. */
    static final int RECORD_BYTES = 16;

    /**
     * Counted 16-byte writes to /dev/null, each one write(2) from {@link #writeRecord}. Before them, {@code warmUp}
     * 32-byte writes through the same method with -Xbatch make sure it is compiled, so that stacks name it.
     */
    static Workload writer(int warmUp) {
        FileOutputStream out = openDevNull();
        byte[] record = new byte[RECORD_BYTES];
        return new Workload("writer") {
            @Override
            void prepare() {
                byte[] warm = new byte[2 * RECORD_BYTES];
                for (int i = 0; i < warmUp; i++) {
                    writeRecord(out, warm);
                }
            }

            @Override
            void operate() {
                writeRecord(out, record);
            }
        };
    }

    /** Unbuffered: each write is one write(2). */
    private static FileOutputStream openDevNull() {
        try {
            return new FileOutputStream("/dev/null");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeRecord(FileOutputStream out, byte[] record) {
        try {
            out.write(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Touches fresh pages, one write each, in a private mapping of a new sparse file: each touch is a copy-on-write
     * fault of one page. (Anonymous memory may get transparent huge pages, and recent kernels map a whole large folio
     * at a write fault on a shared file mapping: either gives fewer faults than pages.)
     */
    static Workload pager(long pages) {
        return new Workload("pager") {
            private final long pageSize = pageSize();
            private Path file;
            private MappedByteBuffer map;
            private int page;

            @Override
            void prepare() {
                try {
                    file = Files.createTempFile("jperf-samples-pages-", ".bin");
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        map = ch.map(FileChannel.MapMode.PRIVATE, 0, pages * pageSize);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            void operate() {
                map.put((int) (page++ * pageSize), (byte) 1);
            }

            @Override
            void finish() {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** The kernel's page size, from the first mapping in /proc/self/smaps (Java has no public API for it). */
    static long pageSize() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                if (line.startsWith("KernelPageSize:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no KernelPageSize in /proc/self/smaps");
    }

    /** Sleeps of a millisecond: each blocks the thread, a context switch. */
    static Workload sleeper() {
        return new Workload("sleeper") {
            @Override
            void operate() {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    /** Each operation one call of zlib's deflate(): a small input, finished in one call. */
    static Workload deflater() {
        byte[] input = new byte[64];
        byte[] output = new byte[1024];
        return new Workload("deflater") {
            private final Deflater deflater = new Deflater(6);

            @Override
            void operate() {
                deflater.reset();
                deflater.setInput(input);
                deflater.finish();
                sink = deflater.deflate(output);
                if (!deflater.finished()) {
                    throw new IllegalStateException("deflate did not finish in one call");
                }
            }

            @Override
            void finish() {
                deflater.end();
            }
        };
    }
}

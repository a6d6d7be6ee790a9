package io.jperf.symbols;

import io.jperf.collect.Sorting;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Kernel function names from {@code /proc/kallsyms}. Names are kept as bytes, made into strings only when asked
 * for. When the kernel hides addresses (kptr_restrict), every kernel frame is just {@code [kernel]}.
 */
public final class KernelSymbols {
    /** Recent kernels name the padding (call thunks) before each function f "__pfx_f", a few bytes before it. */
    private static final byte[] PADDING = "__pfx_".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_PADDING = 64;

    /**
     * Names lie in chunks of 2^CHUNK_BITS bytes, each behind its two-byte length: nothing is copied to grow. Chunks and
     * blocks are direct buffers: this is jperf's largest long-lived table (some 2 MB), and on the Java heap it would
     * be written three times over (eden, survivor, old generation), each copy's pages staying resident.
     */
    private static final int CHUNK_BITS = 18;

    /** Functions are kept in blocks of 2^BLOCK_BITS: their number is not known until the file's end. */
    private static final int BLOCK_BITS = 12;
    private static final int BLOCK = 1 << BLOCK_BITS;

    private final Functions functions;
    private final ByteBuffer[] chunks;

    private KernelSymbols(Functions functions, ByteBuffer[] chunks) {
        this.functions = functions;
        this.chunks = chunks;
    }

    public static KernelSymbols read() throws IOException {
        return read(Path.of("/proc/kallsyms"));
    }

    /**
     * Reads the file line by line through one small buffer (it is some 5 MB in 100 000+ lines): no string per line,
     * only the text symbols' names copied out, in the order the kernel lists them, which is by address.
     */
    static KernelSymbols read(Path kallsyms) throws IOException {
        Functions functions = new Functions();
        List<ByteBuffer> chunks = new ArrayList<>();
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << CHUNK_BITS);
        int used = 0;
        byte[] line = new byte[512];
        byte[] padded = new byte[512];
        int paddedLength = -1;
        long paddingAt = 0;
        boolean sorted = true;
        try (InputStream in = Files.newInputStream(kallsyms)) {
            Lines lines = new Lines(in);
            for (int length; (length = lines.next(line)) >= 0;) {
                // "ffffffff81000000 T name[\t[module]]"
                int sp = 0;
                while (sp < length && line[sp] != ' ') {
                    sp++;
                }
                if (sp + 3 >= length || line[sp + 2] != ' ') {
                    continue;
                }
                byte type = line[sp + 1];
                long address = hex(line, 0, sp);
                if (address == 0 || type != 't' && type != 'T' && type != 'w' && type != 'W') {
                    continue;
                }
                int nameLength = length - sp - 3;
                if (nameLength > PADDING.length && Arrays.equals(line, sp + 3, sp + 3 + PADDING.length, PADDING, 0,
                        PADDING.length)) {
                    // "__pfx_f": the padding (call thunks) before f. Half of a recent kernel's symbols: counted as f.
                    paddedLength = nameLength - PADDING.length;
                    System.arraycopy(line, sp + 3 + PADDING.length, padded, 0, paddedLength);
                    paddingAt = address;
                    continue;
                }
                if (paddedLength == nameLength && address > paddingAt && address - paddingAt <= MAX_PADDING
                        && Arrays.equals(line, sp + 3, sp + 3 + nameLength, padded, 0, nameLength)) {
                    address = paddingAt;
                }
                paddedLength = -1;
                if (used + 2 + nameLength > chunk.capacity()) {
                    chunks.add(chunk);
                    chunk = ByteBuffer.allocateDirect(1 << CHUNK_BITS);
                    used = 0;
                }
                for (int k = sp + 3; k < length; k++) {
                    line[k] = line[k] == '\t' ? (byte) ' ' : line[k];
                }
                chunk.putShort(used, (short) nameLength).put(used + 2, line, sp + 3, nameLength);
                int n = functions.count;
                sorted &= n == 0 || Long.compareUnsigned(functions.start(n - 1), address) <= 0;
                functions.add(address, chunks.size() << CHUNK_BITS | used);
                used += 2 + nameLength;
            }
        }
        chunks.add(chunk);
        if (!sorted) {
            Sorting.sort(functions.count, functions);
        }
        return new KernelSymbols(functions, chunks.toArray(new ByteBuffer[0]));
    }

    /** Start addresses and where the names are, in direct blocks that are filled and never copied. */
    private static final class Functions implements Sorting.Rows {
        /** A function: its start (8 bytes), then where its name is (4 bytes): chunk index above CHUNK_BITS. */
        private static final int ROW = 12;

        private ByteBuffer[] blocks = new ByteBuffer[0];
        private int count;

        void add(long start, int name) {
            int block = count >>> BLOCK_BITS;
            if (block == blocks.length) {
                blocks = Arrays.copyOf(blocks, block * 2 + 1);
            }
            if (blocks[block] == null) {
                blocks[block] = ByteBuffer.allocateDirect(BLOCK * ROW).order(ByteOrder.nativeOrder());
            }
            set(count++, start, name);
        }

        private void set(int i, long start, int name) {
            blocks[i >>> BLOCK_BITS].putLong(at(i), start).putInt(at(i) + 8, name);
        }

        /** Where function i lies in its block. */
        private static int at(int i) {
            return (i & (BLOCK - 1)) * ROW;
        }

        long start(int i) {
            return blocks[i >>> BLOCK_BITS].getLong(at(i));
        }

        int nameAt(int i) {
            return blocks[i >>> BLOCK_BITS].getInt(at(i) + 8);
        }

        @Override
        public int compare(int i, int j) {
            return Long.compareUnsigned(start(i), start(j));
        }

        @Override
        public void swap(int i, int j) {
            long start = start(i);
            int name = nameAt(i);
            set(i, start(j), nameAt(j));
            set(j, start, name);
        }
    }

    /** A stream's lines through one buffer, scanned in place: no call per byte (5 MB of them at start-up). */
    private static final class Lines {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private int at;
        private int end;

        Lines(InputStream in) {
            this.in = in;
        }

        /** The next line into {@code line} (cut at its length), and its length; −1 at the end of the stream. */
        int next(byte[] line) throws IOException {
            int n = 0;
            boolean started = false;
            while (true) {
                if (at == end) {
                    at = 0;
                    end = Math.max(0, in.read(buffer, 0, buffer.length));
                    if (end == 0) {
                        return started ? n : -1;
                    }
                }
                started = true;
                int stop = at;
                while (stop < end && buffer[stop] != '\n') {
                    stop++;
                }
                int take = Math.min(stop - at, line.length - n);
                System.arraycopy(buffer, at, line, n, take);
                n += take;
                at = Math.min(stop + 1, end);
                if (stop < end) {
                    return n;
                }
            }
        }
    }

    private static long hex(byte[] text, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int c = text[i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F'
                    ? c - 'A' + 10 : -1;
            if (d < 0) {
                return 0;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** Whether kernel addresses can be named at all. */
    public boolean available() {
        return functions.count > 0;
    }

    /** The index of the function at a kernel address, or −1. */
    public int find(long address) {
        int lo = 0;
        int hi = functions.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(functions.start(mid), address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The name of a function found by {@link #find}; made anew each time: callers keep the frames they name. */
    public String name(int index) {
        int nameAt = functions.nameAt(index);
        ByteBuffer chunk = chunks[nameAt >>> CHUNK_BITS];
        int at = nameAt & ((1 << CHUNK_BITS) - 1);
        byte[] name = new byte[Short.toUnsignedInt(chunk.getShort(at))];
        chunk.get(at + 2, name);
        return new String(name, StandardCharsets.US_ASCII);
    }
}

package io.jperf.symbols;

import io.jperf.collect.Sorting;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Kernel function names from {@code /proc/kallsyms}. Names are kept in one byte array, made into strings only when
 * asked for. When the kernel hides addresses (kptr_restrict), every kernel frame is just {@code [kernel]}.
 */
public final class KernelSymbols {
    /** Recent kernels name the padding (call thunks) before each function f "__pfx_f", a few bytes before it. */
    private static final byte[] PADDING = "__pfx_".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_PADDING = 64;

    private final long[] starts;
    private final int[] nameStarts;
    private final byte[] names;

    private KernelSymbols(long[] starts, int[] nameStarts, byte[] names) {
        this.starts = starts;
        this.nameStarts = nameStarts;
        this.names = names;
    }

    public static KernelSymbols read() throws IOException {
        return read(Path.of("/proc/kallsyms"));
    }

    /**
     * Reads the file line by line through one small buffer (it is some 5 MB in 100 000+ lines): no string per line,
     * only the text symbols' names copied out.
     */
    static KernelSymbols read(Path kallsyms) throws IOException {
        long[] addresses = new long[1 << 16];
        long[] spans = new long[1 << 16];
        byte[] names = new byte[1 << 20];
        byte[] line = new byte[512];
        byte[] padded = new byte[512];
        int paddedLength = -1;
        long paddingAt = 0;
        int n = 0;
        int used = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(kallsyms), 1 << 16)) {
            for (int length; (length = readLine(in, line)) >= 0;) {
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
                if (n == addresses.length) {
                    addresses = Arrays.copyOf(addresses, n * 2);
                    spans = Arrays.copyOf(spans, n * 2);
                }
                if (used + nameLength > names.length) {
                    names = Arrays.copyOf(names, Math.max(names.length * 2, used + nameLength));
                }
                for (int k = 0; k < nameLength; k++) {
                    byte c = line[sp + 3 + k];
                    names[used + k] = c == '\t' ? (byte) ' ' : c;
                }
                addresses[n] = address;
                spans[n] = ((long) used << 32) | nameLength;
                used += nameLength;
                n++;
            }
        }
        int[] order = Sorting.orderUnsigned(addresses, n);
        long[] starts = new long[n];
        int[] nameStarts = new int[n + 1];
        byte[] sortedNames = new byte[used];
        int copied = 0;
        for (int i = 0; i < n; i++) {
            int j = order[i];
            starts[i] = addresses[j];
            nameStarts[i] = copied;
            int length = (int) spans[j];
            System.arraycopy(names, (int) (spans[j] >>> 32), sortedNames, copied, length);
            copied += length;
        }
        nameStarts[n] = copied;
        return new KernelSymbols(starts, nameStarts, sortedNames);
    }

    /** One line into {@code line} (cut at its length); −1 at the end of the stream. */
    private static int readLine(InputStream in, byte[] line) throws IOException {
        int n = 0;
        for (int c; (c = in.read()) >= 0;) {
            if (c == '\n') {
                return n;
            }
            if (n < line.length) {
                line[n++] = (byte) c;
            }
        }
        return n == 0 ? -1 : n;
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
        return starts.length > 0;
    }

    /** The index of the function at a kernel address, or −1. */
    public int find(long address) {
        int lo = 0;
        int hi = starts.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(starts[mid], address) <= 0) {
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
        return new String(names, nameStarts[index], nameStarts[index + 1] - nameStarts[index],
                StandardCharsets.US_ASCII);
    }
}

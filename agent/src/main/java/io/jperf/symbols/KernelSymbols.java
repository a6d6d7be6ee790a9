package io.jperf.symbols;

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
    private final long[] starts;
    private final int[] nameStarts;
    private final byte[] names;
    private final String[] cache;

    private KernelSymbols(long[] starts, int[] nameStarts, byte[] names) {
        this.starts = starts;
        this.nameStarts = nameStarts;
        this.names = names;
        this.cache = new String[starts.length];
    }

    public static KernelSymbols read() throws IOException {
        return read(Path.of("/proc/kallsyms"));
    }

    /**
     * Parses the text in place (it is some 5 MB with 100 000+ lines): no string per line, only the text symbols' names
     * copied out.
     */
    static KernelSymbols read(Path kallsyms) throws IOException {
        byte[] text;
        try (InputStream in = Files.newInputStream(kallsyms)) {
            text = in.readAllBytes();
        }
        long[] addresses = new long[1 << 16];
        long[] spans = new long[1 << 16];
        int n = 0;
        int used = 0;
        for (int at = 0; at < text.length;) {
            int end = at;
            while (end < text.length && text[end] != '\n') {
                end++;
            }
            // "ffffffff81000000 T name[\t[module]]"
            int sp = at;
            while (sp < end && text[sp] != ' ') {
                sp++;
            }
            if (sp + 3 < end && text[sp + 2] == ' ') {
                byte type = text[sp + 1];
                long address = hex(text, at, sp);
                if (address != 0 && (type == 't' || type == 'T' || type == 'w' || type == 'W')) {
                    if (n == addresses.length) {
                        addresses = Arrays.copyOf(addresses, n * 2);
                        spans = Arrays.copyOf(spans, n * 2);
                    }
                    addresses[n] = address;
                    spans[n] = ((long) (sp + 3) << 32) | (end - sp - 3);
                    used += end - sp - 3;
                    n++;
                }
            }
            at = end + 1;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final long[] a = addresses;
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(a[x], a[y]));
        long[] starts = new long[n];
        int[] nameStarts = new int[n + 1];
        byte[] names = new byte[used];
        int copied = 0;
        for (int i = 0; i < n; i++) {
            int j = order[i];
            starts[i] = addresses[j];
            nameStarts[i] = copied;
            int from = (int) (spans[j] >>> 32);
            int length = (int) spans[j];
            for (int k = 0; k < length; k++) {
                byte c = text[from + k];
                names[copied++] = c == '\t' ? (byte) ' ' : c;
            }
        }
        nameStarts[n] = copied;
        return new KernelSymbols(starts, nameStarts, names);
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

    /** The name of a function found by {@link #find}. */
    public synchronized String name(int index) {
        String name = cache[index];
        if (name == null) {
            name = new String(names, nameStarts[index], nameStarts[index + 1] - nameStarts[index],
                    StandardCharsets.US_ASCII);
            cache[index] = name;
        }
        return name;
    }
}

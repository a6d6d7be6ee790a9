package io.jperf.symbols;

import java.io.BufferedReader;
import java.io.IOException;
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

    static KernelSymbols read(Path kallsyms) throws IOException {
        long[] addresses = new long[1 << 16];
        long[] packed = new long[1 << 16];
        byte[] text = new byte[1 << 20];
        int n = 0;
        int used = 0;
        try (BufferedReader in = Files.newBufferedReader(kallsyms, StandardCharsets.US_ASCII)) {
            for (String line; (line = in.readLine()) != null;) {
                int sp1 = line.indexOf(' ');
                int sp2 = line.indexOf(' ', sp1 + 1);
                if (sp1 <= 0 || sp2 != sp1 + 2) {
                    continue;
                }
                char type = line.charAt(sp1 + 1);
                if (type != 't' && type != 'T' && type != 'w' && type != 'W') {
                    continue;
                }
                long address = Long.parseUnsignedLong(line.substring(0, sp1), 16);
                if (address == 0) {
                    continue;
                }
                String name = line.substring(sp2 + 1).replace('\t', ' ');
                byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
                if (n == addresses.length) {
                    addresses = Arrays.copyOf(addresses, n * 2);
                    packed = Arrays.copyOf(packed, n * 2);
                }
                if (used + bytes.length > text.length) {
                    text = Arrays.copyOf(text, Math.max(text.length * 2, used + bytes.length));
                }
                System.arraycopy(bytes, 0, text, used, bytes.length);
                addresses[n] = address;
                packed[n] = ((long) used << 16) | bytes.length;
                used += bytes.length;
                n++;
            }
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
        int at = 0;
        for (int i = 0; i < n; i++) {
            int j = order[i];
            starts[i] = addresses[j];
            nameStarts[i] = at;
            int length = (int) (packed[j] & 0xffff);
            System.arraycopy(text, (int) (packed[j] >>> 16), names, at, length);
            at += length;
        }
        nameStarts[n] = at;
        return new KernelSymbols(starts, nameStarts, names);
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

package io.jperf.symbols;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The executable mappings of a process ({@code /proc/PID/maps}), sorted by address, for turning IPs into files. */
public final class ProcessMaps {
    private final Mapping[] mappings;

    /** One executable mapping: addresses, the file offset it starts at, and the file (or a name like [vdso]). */
    public record Mapping(long start, long end, long offset, String path) {
        /** The file name without directories, as frames show unsymbolized code: {@code [libz.so.1.2.13]}. */
        public String shortName() {
            int slash = path.lastIndexOf('/');
            return slash < 0 ? path : path.substring(slash + 1);
        }

        public boolean isFile() {
            return path.startsWith("/");
        }
    }

    private ProcessMaps(Mapping[] mappings) {
        this.mappings = mappings;
    }

    /** Reads the file through one small buffer: a JVM with hundreds of threads has thousands of lines. */
    public static ProcessMaps read(Path maps) throws IOException {
        List<Mapping> list = new ArrayList<>();
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = Files.newInputStream(maps)) {
            int have = 0;
            for (boolean eof = false; !eof;) {
                int n = in.read(buf, have, buf.length - have);
                eof = n < 0;
                have += Math.max(0, n);
                int done = lines(buf, have, eof, list);
                System.arraycopy(buf, done, buf, 0, have - done);
                have -= done;
                if (have == buf.length) {
                    buf = Arrays.copyOf(buf, 2 * buf.length); // a line longer than the buffer
                }
            }
        }
        return sorted(list);
    }

    public static ProcessMaps self() throws IOException {
        return read(Path.of("/proc/self/maps"));
    }

    /** The text of /proc/PID/maps, lines of "start-end perms offset dev inode path". */
    static ProcessMaps parse(byte[] text) {
        List<Mapping> list = new ArrayList<>();
        lines(text, text.length, true, list);
        return sorted(list);
    }

    /**
     * Adds the executable mappings of the lines in {@code t[0, n)}, the last one too when {@code whole}; returns
     * where the lines taken end. Only executable lines are split, and only their paths become strings.
     */
    private static int lines(byte[] t, int n, boolean whole, List<Mapping> out) {
        int at = 0;
        while (at < n) {
            int eol = at;
            while (eol < n && t[eol] != '\n') {
                eol++;
            }
            if (eol == n && !whole) {
                break;
            }
            Mapping m = executable(t, at, eol);
            if (m != null) {
                out.add(m);
            }
            at = Math.min(n, eol + 1);
        }
        return at;
    }

    private static ProcessMaps sorted(List<Mapping> list) {
        list.sort((a, b) -> Long.compareUnsigned(a.start, b.start));
        return new ProcessMaps(list.toArray(new Mapping[0]));
    }

    /** The mapping that line [at, end) describes when it is executable, else null. */
    private static Mapping executable(byte[] t, int at, int end) {
        int dash = at;
        while (dash < end && t[dash] != '-') {
            dash++;
        }
        int perms = fieldAfter(t, dash, end);
        if (perms + 2 >= end || t[perms + 2] != 'x') {
            return null; // not executable, as most mappings (stacks, heaps, data)
        }
        int offset = fieldAfter(t, perms, end);
        if (offset >= end) {
            return null;
        }
        int path = fieldAfter(t, fieldAfter(t, fieldAfter(t, offset, end), end), end);
        int pathEnd = end;
        while (pathEnd > path && (t[pathEnd - 1] == ' ' || t[pathEnd - 1] == '\r')) {
            pathEnd--;
        }
        return new Mapping(hex(t, at, end), hex(t, dash + 1, end), hex(t, offset, end),
                path < pathEnd ? new String(t, path, pathEnd - path, StandardCharsets.UTF_8) : "[anon]");
    }

    /** Where the field after the one at {@code at} starts: past its characters and the spaces after them. */
    private static int fieldAfter(byte[] t, int at, int end) {
        while (at < end && t[at] != ' ') {
            at++;
        }
        while (at < end && t[at] == ' ') {
            at++;
        }
        return at;
    }

    /** The hexadecimal number starting at {@code at}, up to the first other character before {@code end}. */
    private static long hex(byte[] t, int at, int end) {
        long v = 0;
        for (; at < end; at++) {
            int d = Character.digit(t[at], 16);
            if (d < 0) {
                break;
            }
            v = v << 4 | d;
        }
        return v;
    }

    /** The mapping holding {@code address}, or null. */
    public Mapping find(long address) {
        int lo = 0;
        int hi = mappings.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = mappings[mid];
            if (Long.compareUnsigned(address, m.start) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address, m.end) >= 0) {
                lo = mid + 1;
            } else {
                return m;
            }
        }
        return null;
    }

    public int size() {
        return mappings.length;
    }

    public java.util.List<Mapping> all() {
        return java.util.List.of(mappings);
    }
}

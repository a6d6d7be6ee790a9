package io.jperf.symbols;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    public static ProcessMaps read(Path maps) throws IOException {
        return parse(Files.readAllLines(maps));
    }

    public static ProcessMaps self() throws IOException {
        return read(Path.of("/proc/self/maps"));
    }

    /** Lines as in /proc/PID/maps: "start-end perms offset dev inode path". */
    static ProcessMaps parse(List<String> lines) {
        List<Mapping> list = new ArrayList<>();
        for (String line : lines) {
            int space = line.indexOf(' ');
            if (space < 0 || space + 3 >= line.length() || line.charAt(space + 3) != 'x') {
                continue; // not executable, as most mappings (stacks, heaps, data): not split at all
            }
            String[] f = fields(line);
            if (f.length < 5 || f[1].length() < 3 || f[1].charAt(2) != 'x') {
                continue;
            }
            int dash = f[0].indexOf('-');
            long start = Long.parseUnsignedLong(f[0].substring(0, dash), 16);
            long end = Long.parseUnsignedLong(f[0].substring(dash + 1), 16);
            long offset = Long.parseUnsignedLong(f[2], 16);
            String path = f.length == 6 ? f[5] : "[anon]";
            list.add(new Mapping(start, end, offset, path));
        }
        list.sort((a, b) -> Long.compareUnsigned(a.start, b.start));
        return new ProcessMaps(list.toArray(new Mapping[0]));
    }

    /** Up to six space-separated fields, the last (the path) taken whole: no regular expression per line. */
    private static String[] fields(String line) {
        List<String> f = new ArrayList<>(6);
        int at = 0;
        int n = line.length();
        while (f.size() < 5) {
            while (at < n && line.charAt(at) == ' ') {
                at++;
            }
            if (at == n) {
                return f.toArray(new String[0]);
            }
            int end = line.indexOf(' ', at);
            f.add(line.substring(at, end < 0 ? n : end));
            at = end < 0 ? n : end;
        }
        String path = line.substring(at).strip();
        if (!path.isEmpty()) {
            f.add(path);
        }
        return f.toArray(new String[0]);
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

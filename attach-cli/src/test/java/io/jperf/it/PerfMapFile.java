package io.jperf.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** A perf map file as perf reads it: START SIZE NAME lines, hex numbers with or without 0x. */
public final class PerfMapFile {
    private PerfMapFile() {
    }

    /** One line of a map. */
    public record Symbol(long start, long size, String name) {
        /** A Java method as jperf names it by default: {@code pkg/Class.method}. */
        public boolean isJavaMethod() {
            return name.matches("[\\w$/.]+/[\\w$.]+\\.[\\w$<>]+") || name.matches("[\\w$]+\\.[\\w$<>]+");
        }
    }

    public static Path of(long pid) {
        return Path.of("/tmp", "perf-" + pid + ".map");
    }

    public static Map<Long, Symbol> read(Path file) throws IOException {
        Map<Long, Symbol> symbols = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.split(" ", 3);
            if (parts.length == 3) {
                long start = Long.parseUnsignedLong(strip0x(parts[0]), 16);
                symbols.put(start, new Symbol(start, Long.parseLong(strip0x(parts[1]), 16), parts[2]));
            }
        }
        return symbols;
    }

    private static String strip0x(String hex) {
        return hex.startsWith("0x") ? hex.substring(2) : hex;
    }

    /** Waits until the map exists and names at least one Java method. */
    public static Map<Long, Symbol> await(long pid, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                Map<Long, Symbol> map = read(of(pid));
                if (map.values().stream().anyMatch(Symbol::isJavaMethod)) {
                    return map;
                }
            } catch (NoSuchFileException e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no Java symbols in " + of(pid) + " within " + timeout);
            }
            Thread.sleep(100);
        }
    }
}

package io.jperf.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Profiles as the tests read them: collapsed stacks with thread roots, and report headers. */
final class Profiles {
    private static final Pattern THREAD = Pattern.compile("\\[(.*) tid=(\\d+)\\]");

    private Profiles() {
    }

    /** One collapsed line: frames root first, and its count. */
    record Stack(List<String> frames, long count) {
        String thread() {
            Matcher m = THREAD.matcher(frames.get(0));
            return m.matches() ? m.group(1) : frames.get(0);
        }

        boolean has(String frameRegex) {
            return frames.stream().anyMatch(f -> f.matches(frameRegex));
        }

        /** Index of the first frame matching, or −1. */
        int indexOf(String frameRegex) {
            for (int i = 0; i < frames.size(); i++) {
                if (frames.get(i).matches(frameRegex)) {
                    return i;
                }
            }
            return -1;
        }
    }

    static List<Stack> collapsed(Path file) throws IOException {
        List<Stack> stacks = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            int space = line.lastIndexOf(' ');
            stacks.add(new Stack(List.of(line.substring(0, space).split(";")),
                    Long.parseLong(line.substring(space + 1))));
        }
        return stacks;
    }

    static Map<String, Long> samplesByThread(List<Stack> stacks) {
        Map<String, Long> byThread = new HashMap<>();
        for (Stack s : stacks) {
            byThread.merge(s.thread(), s.count(), Long::sum);
        }
        return byThread;
    }

    /** "# key: value" lines of a text report. */
    static Map<String, String> header(String report) {
        Map<String, String> info = new LinkedHashMap<>();
        for (String line : report.split("\n")) {
            if (line.startsWith("# ") && line.contains(": ")) {
                int colon = line.indexOf(": ");
                info.put(line.substring(2, colon), line.substring(colon + 2));
            }
        }
        return info;
    }

    /** "NAME: N operations, cpu M ms" lines of a sample workload. */
    static Map<String, Long> cpuMillis(String stdout) {
        Map<String, Long> cpu = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^(\\S+): \\d+ operations, cpu (\\d+) ms$").matcher(stdout);
        while (m.find()) {
            cpu.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return cpu;
    }
}

package io.jperf.perf;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kernel's tracing file system: tracepoint ids for perf_event_open and the layout of their raw data. Found at
 * {@code /sys/kernel/tracing}, or under debugfs on older systems; jperf never mounts it inside the application.
 */
public final class TraceFs {
    private static final List<Path> PLACES = List.of(Path.of("/sys/kernel/tracing"),
            Path.of("/sys/kernel/debug/tracing"));
    private static final Pattern FIELD = Pattern.compile(
            "field:(.+?);\\s*offset:(\\d+);\\s*size:(\\d+);\\s*signed:(\\d+);");

    private final Path events;

    private TraceFs(Path events) {
        this.events = events;
    }

    /** The mounted tracefs; the exception says what is missing and how to get it. */
    public static TraceFs find() throws PerfException {
        boolean denied = false;
        for (Path place : PLACES) {
            Path events = place.resolve("events");
            try (Stream<Path> list = Files.list(events)) {
                if (list.findAny().isPresent()) {
                    return new TraceFs(events);
                }
            } catch (AccessDeniedException e) {
                denied = true;
            } catch (IOException e) {
                // Not mounted here; try the next place.
            }
        }
        if (denied) {
            throw new PerfException("tracepoints need access to /sys/kernel/tracing (permission denied): run as root,"
                    + " or give this user read access to tracefs and CAP_PERFMON", 13);
        }
        throw new PerfException("tracefs is not mounted, so tracepoints are unknown: mount it with"
                + " 'mount -t tracefs nodev /sys/kernel/tracing' (as root)", 2);
    }

    /** The tracepoint id of {@code system:name}; the exception names what does not exist. */
    public int id(String system, String name) throws PerfException {
        Path file = events.resolve(system).resolve(name).resolve("id");
        try {
            return Integer.parseInt(Files.readString(file).trim());
        } catch (NoSuchFileException e) {
            throw new PerfException("unknown tracepoint '" + system + ":" + name + "' (no " + file.getParent()
                    + "); 'jperf list' shows the tracepoints of this kernel", 2);
        } catch (IOException | NumberFormatException e) {
            throw new PerfException("cannot read " + file + ": " + e.getMessage(), 5);
        }
    }

    /** Subsystems (syscalls, sched, ...), sorted. */
    public List<String> systems() {
        return directories(events);
    }

    /**
     * The tracepoints of a subsystem that perf can open, sorted: those with an id (ftrace's own events, such as
     * ftrace:function, have a format but no id).
     */
    public List<String> events(String system) {
        List<String> names = directories(events.resolve(system));
        names.removeIf(n -> !Files.exists(events.resolve(system).resolve(n).resolve("id")));
        return names;
    }

    private static List<String> directories(Path dir) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.filter(Files::isDirectory).forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            return List.of();
        }
        names.sort(null);
        return names;
    }

    /** One field of a tracepoint's raw data. */
    public record Field(String declaration, String name, int offset, int size, boolean signed) {
    }

    /** The fields of a tracepoint's raw data after the common header, in order. */
    public List<Field> fields(String system, String name) throws PerfException {
        Path file = events.resolve(system).resolve(name).resolve("format");
        try {
            return parseFields(Files.readString(file));
        } catch (IOException e) {
            throw new PerfException("cannot read " + file + ": " + e.getMessage(), 5);
        }
    }

    static List<Field> parseFields(String format) {
        List<Field> fields = new ArrayList<>();
        Matcher m = FIELD.matcher(format);
        while (m.find()) {
            String declaration = m.group(1).trim();
            if (declaration.contains("common_")) {
                continue;
            }
            String name = declaration.replaceAll("\\[.*]$", "");
            name = name.substring(name.lastIndexOf(' ') + 1).replace("*", "");
            fields.add(new Field(declaration, name, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    m.group(4).equals("1")));
        }
        return fields;
    }
}

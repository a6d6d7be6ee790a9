package io.jperf.trace;

import io.jperf.perf.PerfException;
import io.jperf.perf.TraceFs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * System call names by number for this architecture (tables taken from the kernel's headers, as resources), their
 * argument names from the {@code syscalls:sys_enter_*} tracepoint formats, and errno names.
 */
public final class SyscallTable {
    private static final Map<String, String> TABLES = Map.of("amd64", "syscalls-x86_64.txt", "x86_64",
            "syscalls-x86_64.txt", "aarch64", "syscalls-aarch64.txt");

    private final Map<Integer, String> names;
    private final Map<Integer, String> errnos;
    private final TraceFs traceFs;
    private final Map<Integer, List<TraceFs.Field>> arguments = new ConcurrentHashMap<>();

    private SyscallTable(Map<Integer, String> names, Map<Integer, String> errnos, TraceFs traceFs) {
        this.names = names;
        this.errnos = errnos;
        this.traceFs = traceFs;
    }

    /** The table of the running architecture; calls are named {@code syscall_N} where jperf has none. */
    public static SyscallTable forThisMachine(TraceFs traceFs) {
        String table = TABLES.get(System.getProperty("os.arch"));
        return new SyscallTable(table == null ? Map.of() : load(table), load("errno.txt"), traceFs);
    }

    private static Map<Integer, String> load(String resource) {
        Map<Integer, String> map = new HashMap<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                return map;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null;) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    map.put(Integer.parseInt(line.substring(0, space)), line.substring(space + 1).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return map;
        }
        return map;
    }

    public String name(int nr) {
        String name = names.get(nr);
        return name != null ? name : "syscall_" + nr;
    }

    /** {@code EAGAIN}, or {@code E123} for a number jperf does not know. */
    public String errnoName(int errno) {
        String name = errnos.get(errno);
        return name != null ? name : "E" + errno;
    }

    /** The arguments of a call as its tracepoint declares them (up to six); empty when tracefs does not say. */
    public List<TraceFs.Field> arguments(int nr) {
        return arguments.computeIfAbsent(nr, n -> {
            try {
                List<TraceFs.Field> fields = new ArrayList<>(traceFs.fields("syscalls", "sys_enter_" + name(n)));
                fields.removeIf(f -> f.name().equals("__syscall_nr"));
                return fields.size() > 6 ? fields.subList(0, 6) : fields;
            } catch (PerfException e) {
                return List.of();
            }
        });
    }
}

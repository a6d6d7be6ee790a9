package io.jperf.perf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A perf event by name, in perf's spellings: {@code cpu} (an alias of {@code cpu-clock}, the default) and the
 * software events. Clock events are sampled by time (ns); the others by count.
 */
public record EventSpec(String name, int type, long config) {
    public static final int TYPE_SOFTWARE = 1;

    private static final Map<String, EventSpec> SOFTWARE = new LinkedHashMap<>();

    static {
        software(0, "cpu-clock", "cpu");
        software(1, "task-clock");
        software(2, "page-faults", "faults");
        software(3, "context-switches", "cs");
        software(4, "cpu-migrations", "migrations");
        software(5, "minor-faults");
        software(6, "major-faults");
        software(7, "alignment-faults");
        software(8, "emulation-faults");
    }

    private static void software(int config, String name, String... aliases) {
        EventSpec spec = new EventSpec(name, TYPE_SOFTWARE, config);
        SOFTWARE.put(name, spec);
        for (String alias : aliases) {
            SOFTWARE.put(alias, spec);
        }
    }

    /** An event name jperf does not know (or does not support yet). */
    public static final class UnknownEventException extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownEventException(String message) {
            super(message);
        }
    }

    public static EventSpec parse(String name) throws UnknownEventException {
        EventSpec spec = SOFTWARE.get(name == null ? "" : name.trim());
        if (spec == null) {
            throw new UnknownEventException("unknown event '" + name + "'; events: " + String.join(", ",
                    SOFTWARE.keySet()));
        }
        return spec;
    }

    /** Whether the period is a time in nanoseconds (cpu-clock, task-clock) rather than a count of events. */
    public boolean isClock() {
        return type == TYPE_SOFTWARE && (config == 0 || config == 1);
    }

    /** The default sampling period: 10 ms of CPU time for clocks, every event otherwise. */
    public long defaultPeriod() {
        return isClock() ? 10_000_000L : 1;
    }
}

package io.jperf.perf;

/**
 * One event to sample and how: every {@code period} events (or ns for clocks), or {@code period} times a second
 * with {@code frequency}; a tracepoint filter or null; whether samples carry callchains and the tracepoint's raw data;
 * and how many bytes of the user stack each sample copies, with the user registers, for unwinding (0: none).
 */
public record SamplingEvent(EventSpec spec, long period, boolean frequency, String filter, boolean callchain,
        boolean raw, int stackCopy) {
    /** Whether {@code spec} sampled so is recorded at each occurrence, not by time or rate: it comes in bursts. */
    public static boolean everyOccurrence(EventSpec spec, long period, boolean frequency) {
        return !frequency && period == 1 && !spec.isClock();
    }

    public boolean everyOccurrence() {
        return everyOccurrence(spec, period, frequency);
    }
}

package io.jperf.samples;

import java.util.Locale;

/**
 * How long the application stalls: a thread sleeps 1 ms at a time and notes how much later than that it woke.
 * A profiler attaching to the JVM shows up here when it stops application threads (safepoints, deoptimization).
 */
final class Pauses {
    private Pauses() {
    }

    static void watch(long deadline) throws InterruptedException {
        long worst = 0;
        long worstAt = 0;
        long start = System.nanoTime();
        long last = start;
        long wakeups = 0;
        while (last < deadline) {
            Thread.sleep(1);
            long now = System.nanoTime();
            long late = now - last - 1_000_000;
            if (late > worst) {
                worst = late;
                worstAt = now - start;
            }
            last = now;
            wakeups++;
        }
        System.out.printf(Locale.ROOT, "pauses: %d wakeups, longest stall %.2f ms at %.1f s%n", wakeups,
                worst / 1e6, worstAt / 1e9);
    }
}

package io.jperf.perf;

import io.jperf.linux.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The kernel's side of a real event on this thread (needs tracefs and perf_event_open, as the agent does). */
class PerfEventTest {
    private static final Map<String, Integer> GETTID = Map.of("amd64", 186, "aarch64", 178);
    private static final int CALLS = 1000;

    /**
     * A ring of one page fills with the first few dozen of 1000 calls and is never read meanwhile: the kernel has no
     * room left to write even the LOST record, so only the event's lost count says what became of the rest.
     */
    @Test
    void theLostCountHoldsLossesNoRecordSaid() throws Exception {
        Integer gettid = GETTID.get(System.getProperty("os.arch"));
        assumeTrue(gettid != null && Files.exists(Path.of("/sys/kernel/tracing/events/raw_syscalls")),
                "needs tracefs and a known gettid number");
        var attr = new PerfEvent.Attr(EventSpec.parse("raw_syscalls:sys_enter"), 1, false, false, true, false, true,
                0, 127, true).encode();
        PerfEvent opened;
        try {
            opened = PerfEvent.open(attr, Libc.gettid(), -1);
        } catch (PerfException e) {
            // Without privilege the kernel refuses the event; Linux before 6.0 refuses the lost count.
            boolean before6 = Integer.parseInt(System.getProperty("os.version").split("\\.")[0]) < 6;
            if (e.errno() == Libc.EACCES || e.errno() == Libc.EPERM || e.errno() == Libc.EINVAL && before6) {
                Assumptions.abort("this kernel or user cannot open the event: " + e.getMessage());
            }
            throw e;
        }
        try (PerfEvent e = opened; Ring ring = Ring.map(e, 1)) {
            e.setFilter("id == " + gettid);
            e.enable();
            for (int i = 0; i < CALLS; i++) {
                Libc.gettid();
            }
            e.disable();
            long[] records = new long[3]; // samples, LOST records, other
            ring.drain((type, buffer, at, size) -> records[type == 9 ? 0 : type == 2 ? 1 : 2]++);
            assertTrue(records[0] > 10 && records[0] < CALLS / 10, records[0] + " samples in one page");
            assertEquals(0, records[1] + records[2], "no LOST record could be written");
            assertEquals(CALLS, records[0] + e.lost(), "every call is a sample or counted lost");
        }
    }
}

package io.jperf.perf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    @Test
    void cpuLists() {
        assertEquals(List.of(0, 1, 2, 3, 5, 7, 8), Sampler.parseCpuList("0-3,5,7-8"));
        assertEquals(List.of(0), Sampler.parseCpuList("0"));
    }

    @Test
    void ringsShareABudget() {
        assertEquals(256, Sampler.perCpuPages(2));
        assertEquals(256, Sampler.perCpuPages(16));
        assertEquals(64, Sampler.perCpuPages(64));
        assertEquals(32, Sampler.perCpuPages(512));
    }

    @Test
    void eventsInPerfSpellings() throws Exception {
        assertEquals(EventSpec.parse("cpu"), EventSpec.parse("cpu-clock"));
        assertTrue(EventSpec.parse("cpu").isClock());
        assertTrue(!EventSpec.parse("page-faults").isClock());
        assertEquals(1, EventSpec.parse("page-faults").defaultPeriod());
        assertEquals(3, EventSpec.parse("cs").config());
        assertThrows(EventSpec.UnknownEventException.class, () -> EventSpec.parse("cycles-of-doom"));
    }

    @Test
    void attrLayout() throws Exception {
        var m = new PerfEvent.Attr(EventSpec.parse("task-clock"), 1_000_000, false, true, false, 127).toMemory();
        assertEquals(1, m.getInt(0));
        assertEquals(PerfEvent.ATTR_SIZE, m.getInt(4));
        assertEquals(1, m.getLong(8));
        assertEquals(1_000_000, m.getLong(16));
        long flags = m.getLong(40);
        assertEquals(1, flags & 1, "disabled");
        assertEquals(2, flags & 2, "inherit");
        assertEquals(1L << 5, flags & (1L << 5), "exclude_kernel");
        assertEquals(1L << 25, flags & (1L << 25), "use_clockid");
        assertEquals(1, m.getInt(92), "CLOCK_MONOTONIC");
        assertEquals(127, m.getShort(108));
    }
}

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
    void theReaderSleepsWhileNoRingCanFill() throws Exception {
        long ms = 1_000_000L;
        EventSpec cpu = EventSpec.parse("cpu-clock");
        long ring16k = 2049L * 4096;
        // 1 kHz with 16 KiB stack copies fills 8 MiB in about half a second: the longest sleep.
        assertEquals(100 * ms, Sampler.drainNanos(List.of(new SamplingEvent(cpu, ms, false, null, true, false,
                16384)), ring16k));
        // 10 kHz: an eighth of that.
        long fast = Sampler.drainNanos(List.of(new SamplingEvent(cpu, ms / 10, false, null, true, false, 16384)),
                ring16k);
        assertTrue(fast > 10 * ms && fast < 15 * ms, "" + fast);
        // 99 Hz asked as a frequency, callchains only, a 1 MiB ring.
        assertEquals(100 * ms, Sampler.drainNanos(List.of(new SamplingEvent(cpu, 99, true, null, true, false, 0)),
                257L * 4096));
        // A fast clock into a small ring: never less than 10 ms.
        assertEquals(10 * ms, Sampler.drainNanos(List.of(new SamplingEvent(cpu, 10_000, false, null, true, false,
                16384)), 33L * 4096));
        // Events that are not clocks come as fast as the code makes them.
        assertEquals(10 * ms, Sampler.drainNanos(List.of(new SamplingEvent(cpu, ms, false, null, true, false, 0),
                new SamplingEvent(EventSpec.parse("page-faults"), 100, false, null, true, false, 0)), ring16k));
    }

    @Test
    void lossNoticeNamesWhatWasLostAndWhatLosesFewer() {
        String cause = " lost: the rings filled before the reader drained them (it stops at the JVM's safepoints and"
                + " waits for a CPU like any thread); every output counts them";
        assertEquals("system calls" + cause, Sampler.lossNotice("system calls", List.of()));
        assertEquals("samples" + cause + ". Fewer are lost with a longer interval",
                Sampler.lossNotice("samples", List.of("a longer interval")));
        assertEquals("samples" + cause + ". Fewer are lost with a lower freq, or cstack=fp",
                Sampler.lossNotice("samples", List.of("a lower freq", "cstack=fp")));
    }

    @Test
    void ringsShareABudget() throws Exception {
        long ms = 1_000_000L;
        EventSpec cpu = EventSpec.parse("cpu-clock");
        assertEquals(256, Sampler.perCpuPages(2, false, false, 0));
        assertEquals(256, Sampler.perCpuPages(16, false, false, 0));
        assertEquals(64, Sampler.perCpuPages(64, false, false, 0));
        assertEquals(32, Sampler.perCpuPages(512, false, false, 0));
        assertEquals(1024, Sampler.perCpuPages(2, true, false, 0));
        assertEquals(1024, Sampler.perCpuPages(16, true, false, 0));
        assertEquals(256, Sampler.perCpuPages(64, true, false, 0));
        assertEquals(32, Sampler.perCpuPages(1024, true, false, 0));
        // Stack copies: a second of samples (rounded up to a power of two), at most 8 MiB, within the every-occurrence
        // budget.
        double khz = Sampler.bytesPerSecond(List.of(new SamplingEvent(cpu, ms, false, null, true, false, 16384)));
        double hz99 = Sampler.bytesPerSecond(List.of(new SamplingEvent(cpu, 10_101_010, false, null, true, false,
                16384)));
        assertEquals(2048, Sampler.perCpuPages(2, false, true, khz));
        assertEquals(512, Sampler.perCpuPages(2, false, true, hz99));
        assertTrue(512 * 4096 > hz99 && 256 * 4096 < hz99, "" + hz99);
        assertEquals(512, Sampler.perCpuPages(2, false, true, 512 * 4096.0)); // a power of two stays
        assertEquals(1024, Sampler.perCpuPages(2, false, true, 513 * 4096.0));
        assertEquals(32, Sampler.perCpuPages(2, false, true, 0));
        assertEquals(1024, Sampler.perCpuPages(16, false, true, khz));
        assertEquals(256, Sampler.perCpuPages(64, false, true, khz));
        // An event without a known rate: the most a ring may take.
        double faults = Sampler.bytesPerSecond(List.of(new SamplingEvent(EventSpec.parse("page-faults"), 100, false,
                null, true, false, 16384)));
        assertEquals(2048, Sampler.perCpuPages(2, false, true, faults));
        // A slow clock still gets the smallest ring.
        assertEquals(32, Sampler.perCpuPages(2, false, true, Sampler.bytesPerSecond(List.of(new SamplingEvent(cpu,
                1_000_000_000L, false, null, true, false, 16384)))));
        // Per-thread rings with stack copies: 512 KiB each up to 128 threads, then a share of 64 MiB, at least 16
        // pages.
        assertEquals(128, Sampler.perThreadStackCopyPages(1));
        assertEquals(128, Sampler.perThreadStackCopyPages(128));
        assertEquals(64, Sampler.perThreadStackCopyPages(129));
        assertEquals(32, Sampler.perThreadStackCopyPages(500));
        assertEquals(16, Sampler.perThreadStackCopyPages(5000));
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
        var m = new PerfEvent.Attr(EventSpec.parse("task-clock"), 1_000_000, false, true, false, true, false, 0, 127,
                false).encode().attr();
        assertEquals(1, m.getInt(0));
        assertEquals(PerfEvent.ATTR_SIZE, m.getInt(4));
        assertEquals(1, m.getLong(8));
        assertEquals(1_000_000, m.getLong(16));
        assertEquals(0x10000 | 0x2 | 0x4 | 0x100 | 0x20, m.getLong(24), "identifier, tid, time, period, callchain");
        long flags = m.getLong(40);
        assertEquals(1, flags & 1, "disabled");
        assertEquals(2, flags & 2, "inherit");
        assertEquals(1L << 5, flags & (1L << 5), "exclude_kernel");
        assertEquals(1L << 25, flags & (1L << 25), "use_clockid");
        assertEquals(1, m.getInt(92), "CLOCK_MONOTONIC");
        assertEquals(127, m.getShort(108));
        assertEquals(0, m.getLong(80), "no user registers");
        assertEquals(0, m.getInt(88), "no stack copy");
        assertEquals(0, m.getLong(32), "no read format");
    }

    /** cstack=dwarf: user registers (bp, sp, ip, r13 on x86_64) and a stack copy with each sample. */
    @Test
    void stackCopyLayout() throws Exception {
        var m = new PerfEvent.Attr(EventSpec.parse("cpu"), 1_000_000, false, true, true, true, false, 16384, 127, true)
                .encode().attr();
        assertEquals(0x10000 | 0x2 | 0x4 | 0x100 | 0x20 | 0x1000 | 0x2000, m.getLong(24),
                "identifier, tid, time, period, callchain, regs_user, stack_user");
        if (System.getProperty("os.arch").equals("amd64")) {
            assertEquals(0x2001c0, m.getLong(80), "bp, sp, ip, r13");
        }
        assertEquals(16384, m.getInt(88));
        assertEquals(0x10, m.getLong(32), "read format: the lost count");
    }

    @Test
    void counterLayout() throws Exception {
        var m = PerfEvent.Attr.counter(EventSpec.parse("page-faults"), true, true).encode().attr();
        assertEquals(2, m.getLong(8));
        assertEquals(0, m.getLong(16), "no sampling period");
        assertEquals(0, m.getLong(24), "no sample type");
        assertEquals(3, m.getLong(32), "read_format: time enabled and running");
        assertEquals(2, m.getLong(40) & 2, "inherit");
    }

    @Test
    void hardwareAndCacheEvents() throws Exception {
        EventSpec cycles = EventSpec.parse("cpu-cycles");
        assertEquals(EventSpec.TYPE_HARDWARE, cycles.type());
        assertEquals(0, cycles.config());
        assertEquals("cycles", cycles.name());
        EventSpec misses = EventSpec.parse("LLC-load-misses");
        assertEquals(EventSpec.TYPE_HW_CACHE, misses.type());
        assertEquals(2 | 0 << 8 | 1 << 16, misses.config(), "LLC, read, miss");
        assertEquals(3 | 1 << 8, EventSpec.parse("dTLB-stores").config());
        assertThrows(EventSpec.UnknownEventException.class, () -> EventSpec.parse("uprobe:relative/lib.so:f"));
        EventSpec.UnknownEventException kprobe = assertThrows(EventSpec.UnknownEventException.class,
                () -> EventSpec.parse("kprobe:bad name"));
        assertTrue(kprobe.getMessage().startsWith("bad kprobe"), kprobe.getMessage());
    }
}

package io.jperf.jit;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeCacheTest {
    private static final MethodRef A = TestCode.method("p/A", "a", "()V", "A.java");
    private static final MethodRef B = TestCode.method("p/B", "b", "()V", "B.java");

    private static CompiledMethod code(MethodRef m, long start, int size) {
        return new CompiledMethod(start, size, m, InlineTable.NONE);
    }

    @Test
    void addressReusedAfterUnloadResolvesByTime() {
        CompiledMethod a = code(A, 0x1000, 0x100);
        CompiledMethod b = code(B, 0x1000, 0x80);
        long late = CodeCache.LATE_LOAD_NANOS;
        CodeCache.Snapshot s = new TestCode(10 * late, 100).load(a, 10).unload(0x1000, 20 + late).load(b, 30 + 2 * late)
                .snapshot(40 + 2 * late);
        assertNull(s.lookup(0x1010, 9 - late), "before anything was there");
        assertSame(a, s.lookup(0x1010, 10));
        assertSame(a, s.lookup(0x10ff, 19 + late));
        assertNull(s.lookup(0x1010, 25 + late), "between unload and reuse");
        assertSame(b, s.lookup(0x1010, 30 + 2 * late));
        assertNull(s.lookup(0x1090, 35 + 2 * late), "past the end of the new, shorter code");
        assertSame(a, s.lookup(0x1090, 15));
        assertEquals(1, s.liveCount());
    }

    /** JVMTI reports compiled code after it is installed, and it may run meanwhile. */
    @Test
    void codeReportedLateResolvesShortlyBeforeItsLoad() {
        CompiledMethod a = code(A, 0x1000, 0x100);
        CompiledMethod b = code(B, 0x1000, 0x100);
        long late = CodeCache.LATE_LOAD_NANOS;
        CodeCache.Snapshot s = new TestCode(10 * late, 100).load(a, 1000).unload(0x1000, 2000).load(b, 3000)
                .snapshot(4000);
        assertSame(a, s.lookup(0x1010, 1000 - late), "just before its report");
        assertNull(s.lookup(0x1010, 999 - late), "long before");
        assertSame(b, s.lookup(0x1010, 2500), "after the old code left, before the new one was reported");
        assertSame(a, s.lookup(0x1010, 1500), "live code wins over code reported later");
    }

    @Test
    void newCodeOverlappingLiveCodeEndsIt() {
        CodeCache cache = new CodeCache(1_000, 100);
        CompiledMethod a = code(A, 0x1000, 0x100);
        CompiledMethod b = code(B, 0x1080, 0x100);
        List<CodeBlob> displaced = new ArrayList<>();
        assertEquals(CodeCache.Added.NEW, cache.add(a, 10, 10, displaced));
        assertEquals(CodeCache.Added.NEW, cache.add(b, 30, 30, displaced));
        assertEquals(List.of(a), displaced, "a's unload never came");
        CodeCache.Snapshot s = cache.publish(40);
        assertSame(a, s.lookup(0x1090, 20));
        assertSame(b, s.lookup(0x1090, 31));
        assertNull(s.lookup(0x1010, 31));
    }

    @Test
    void replayOfKnownCodeIsNotAdded() {
        CodeCache cache = new CodeCache(1_000, 100);
        List<CodeBlob> displaced = new ArrayList<>();
        assertEquals(CodeCache.Added.NEW, cache.add(code(A, 0x1000, 0x100), 10, 10, displaced));
        assertEquals(CodeCache.Added.KNOWN, cache.add(code(A, 0x1000, 0x100), CodeCache.ALWAYS, 50, displaced));
        assertEquals(CodeCache.Added.NEW, cache.add(new GeneratedCode(0x3000, 0x40, "stub (named live)"), 10, 10,
                displaced));
        assertEquals(CodeCache.Added.KNOWN, cache.add(new GeneratedCode(0x3000, 0x40, "stub"), CodeCache.ALWAYS, 50,
                displaced));
        assertEquals(List.of(), displaced);
        assertEquals(2, cache.publish(60).liveCount());
    }

    @Test
    void aReplayWithInlineTablesAddsThemToKnownCode() {
        CodeCache cache = new CodeCache(1_000, 100);
        List<CodeBlob> displaced = new ArrayList<>();
        cache.add(code(A, 0x1000, 0x100), 10, 10, displaced);
        CompiledMethod detailed = new CompiledMethod(0x1000, 0x100, A,
                TestCode.inlining(new int[] {0x10}, new Object[][][] {{{A, 0}}}));
        assertEquals(CodeCache.Added.DETAILED, cache.add(detailed, CodeCache.ALWAYS, 50, displaced));
        assertSame(detailed, cache.publish(60).lookup(0x1008, 20), "same load time, now with its table");
        assertEquals(CodeCache.Added.KNOWN, cache.add(detailed, CodeCache.ALWAYS, 70, displaced));
    }

    @Test
    void codeThatPredatesUsResolvesAtAnyEarlierTime() {
        CompiledMethod a = code(A, 0x1000, 0x100);
        CodeCache.Snapshot s = new TestCode().load(a, CodeCache.ALWAYS).snapshot(10);
        assertSame(a, s.lookup(0x1000, Long.MIN_VALUE + 1));
        assertSame(a, s.lookup(0x1000, 5));
    }

    @Test
    void unloadedCodeIsForgottenAfterTheRetention() {
        CodeCache cache = new CodeCache(100, 1_000);
        List<CodeBlob> displaced = new ArrayList<>();
        cache.add(code(A, 0x1000, 0x100), 10, 10, displaced);
        cache.remove(0x1000, 20);
        assertEquals(1, cache.publish(110).size(), "unloaded 90 ns ago: kept");
        assertEquals(0, cache.publish(130).size(), "unloaded 110 ns ago: forgotten");
    }

    @Test
    void withoutRetentionOnlyLiveCodeIsKept() {
        CodeCache.Snapshot s = new TestCode(0, 0).load(code(A, 0x1000, 0x100), 1).unload(0x1000, 2)
                .load(code(B, 0x2000, 0x100), 3).snapshot(4);
        assertEquals(1, s.size());
        assertNull(s.lookup(0x1000, 1));
    }

    @Test
    void deadCodeIsBoundedByCount() {
        CodeCache cache = new CodeCache(Long.MAX_VALUE / 4, 3);
        List<CodeBlob> displaced = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            cache.add(code(A, 0x1000 + 0x100L * i, 0x100), i, i, displaced);
            cache.remove(0x1000 + 0x100L * i, 100 + i);
        }
        CodeCache.Snapshot s = cache.publish(200);
        assertEquals(3, s.size());
        assertNull(s.lookup(0x1000, 50), "the oldest unloads are forgotten first");
        assertTrue(s.lookup(0x1000 + 0x900, 50) != null);
    }

    @Test
    void lookupSkipsLargeDeadNeighbours() {
        CompiledMethod big = code(A, 0x1000, 0x10000);
        CompiledMethod small = code(B, 0x2000, 0x10);
        CompiledMethod later = code(B, 0x3000, 0x10);
        CodeCache.Snapshot s = new TestCode().load(big, 1).unload(0x1000, 2).load(small, 3).load(later, 4)
                .snapshot(5);
        assertSame(big, s.lookup(0x3008, 1));
        assertSame(later, s.lookup(0x3008, 4));
        assertSame(small, s.lookup(0x2008, 4));
        assertNull(s.lookup(0x2800, 4));
    }

    /** Code added in any order over many publishes: each snapshot is in address order and finds all live code. */
    @Test
    void codeAddedOutOfOrderBetweenPublishesIsMergedInOrder() {
        CodeCache cache = new CodeCache(Long.MAX_VALUE / 4, 1_000_000);
        java.util.Random random = new java.util.Random(7);
        java.util.Map<Long, CodeBlob> live = new java.util.HashMap<>();
        List<CodeBlob> displaced = new ArrayList<>();
        long time = 1;
        for (int publish = 0; publish < 50; publish++) {
            for (int i = 0; i < 1 + random.nextInt(60); i++) {
                long start = 0x10000 + 0x100L * random.nextInt(2000);
                if (live.containsKey(start) && random.nextBoolean()) {
                    cache.remove(start, time++);
                    live.remove(start);
                } else if (!live.containsKey(start)) {
                    CompiledMethod c = code(random.nextBoolean() ? A : B, start, 0x80);
                    cache.add(c, time++, time, displaced);
                    live.put(start, c);
                }
            }
            CodeCache.Snapshot s = cache.publish(time);
            for (int i = 1; i < s.size(); i++) {
                assertTrue(s.blob(i - 1).start <= s.blob(i).start, "in address order at " + i);
            }
            assertEquals(live.size(), s.liveCount());
            for (CodeBlob c : live.values()) {
                assertSame(c, s.lookup(c.start + 0x10, time));
            }
        }
    }

    /** Code reused by a thousand small blobs spreads over several chunks: a lookup walks back across them. */
    @Test
    void unloadedCodeSpanningChunksIsFound() {
        CompiledMethod big = code(A, 0x10000, 0x100000);
        TestCode code = new TestCode(10_000, 100).load(big, 1).unload(0x10000, 2);
        for (int i = 0; i < 1_000; i++) {
            code.load(code(B, 0x10000 + 0x400L * i, 0x40), 3 + i);
        }
        CodeCache.Snapshot s = code.snapshot(2_000);
        assertEquals(1_001, s.size());
        assertSame(big, s.lookup(0x10000 + 0x400L * 999 + 0x10, 1), "the big blob, from the first chunk");
        assertSame(big, s.lookup(0x10000 + 0x400L * 999 + 0x80, 1), "between two small ones");
        assertNull(s.lookup(0x10000 + 0x400L * 999 + 0x80, 2_000), "nothing there since");
        assertSame(s.blob(1_000), s.lookup(0x10000 + 0x400L * 999 + 0x10, 2_000));
    }

    /**
     * Thousands of versions over many publishes, big ones spanning others and chunks, many unloaded and forgotten:
     * every lookup agrees with a search of all versions, and a snapshot taken earlier keeps its answers.
     */
    @Test
    void chunkedSnapshotsAgreeWithAFullSearch() {
        long retain = 3_000;
        int slots = 20_000;
        CodeCache cache = new CodeCache(retain, Integer.MAX_VALUE);
        java.util.Random random = new java.util.Random(11);
        List<long[]> versions = new ArrayList<>(); // start, end, load, unload (NEVER while live)
        List<CodeBlob> blobs = new ArrayList<>();
        List<Integer> live = new ArrayList<>();
        List<CodeBlob> displaced = new ArrayList<>();
        CodeCache.Snapshot early = null;
        long[] earlyPcs = new long[500];
        CodeBlob[] earlyAnswers = new CodeBlob[earlyPcs.length];
        long earlyTime = 0;
        long time = 1;
        for (int publish = 0; publish < 150; publish++) {
            int ops = 1 + random.nextInt(publish < 10 ? 600 : 100);
            for (int op = 0; op < ops; op++) {
                time += 1 + random.nextInt(10);
                if (live.size() > 2_000 || (!live.isEmpty() && random.nextInt(4) == 0)) {
                    long[] v = versions.get(live.remove(random.nextInt(live.size())));
                    cache.remove(v[0], time);
                    v[3] = time;
                    continue;
                }
                long start = 0x100000 + 0x40L * random.nextInt(slots);
                long end = start + 0x40L * (random.nextInt(20) == 0 ? 20 + random.nextInt(80) : 1);
                if (overlapsLive(versions, live, start, end)) {
                    continue;
                }
                CompiledMethod c = code(random.nextBoolean() ? A : B, start, (int) (end - start));
                cache.add(c, time, time, displaced);
                live.add(versions.size());
                versions.add(new long[] {start, end, time, CodeCache.NEVER});
                blobs.add(c);
            }
            time += 100;
            CodeCache.Snapshot s = cache.publish(time);
            assertEquals(List.of(), displaced);
            assertEquals(live.size(), s.liveCount());
            for (int i = 1; i < s.size(); i++) {
                assertTrue(s.blob(i - 1).start <= s.blob(i).start, "in address order at " + i);
            }
            for (int probe = 0; probe < 500; probe++) {
                long pc = 0x100000 + random.nextInt(0x40 * (slots + 400));
                long at = time - random.nextInt((int) retain);
                assertSame(expected(versions, blobs, pc, at), s.lookup(pc, at), "pc " + Long.toHexString(pc) + " at " + at);
            }
            if (publish == 30) {
                early = s;
                earlyTime = time - 1;
                for (int k = 0; k < earlyPcs.length; k++) {
                    earlyPcs[k] = 0x100000 + random.nextInt(0x40 * slots);
                    earlyAnswers[k] = s.lookup(earlyPcs[k], earlyTime);
                }
            }
            for (int k = 0; early != null && k < earlyPcs.length; k++) {
                assertSame(earlyAnswers[k], early.lookup(earlyPcs[k], earlyTime), "an earlier snapshot is unchanged");
            }
        }
        assertTrue(cache.snapshot().size() > 2 * 256, "the cache spans several chunks: " + cache.snapshot().size());
        long cutoff = time - retain;
        long kept = versions.stream().filter(v -> v[3] >= cutoff).count();
        assertTrue(kept < versions.size() / 2, "most unloaded code was forgotten: " + kept + " of " + versions.size());
        assertEquals(kept, cache.snapshot().size(), "what the retention keeps");
    }

    private static boolean overlapsLive(List<long[]> versions, List<Integer> live, long start, long end) {
        for (int v : live) {
            if (versions.get(v)[0] < end && start < versions.get(v)[1]) {
                return true;
            }
        }
        return false;
    }

    /** What a lookup must answer, by a search of every version unloaded at most the retention before. */
    private static CodeBlob expected(List<long[]> versions, List<CodeBlob> blobs, long pc, long time) {
        CodeBlob best = null;
        long bestLoad = 0;
        CodeBlob late = null;
        long lateLoad = 0;
        for (int i = 0; i < versions.size(); i++) {
            long[] v = versions.get(i);
            if (pc < v[0] || pc >= v[1]) {
                continue;
            }
            if (v[2] <= time && time < v[3] && (best == null || v[2] > bestLoad)) {
                best = blobs.get(i);
                bestLoad = v[2];
            } else if (v[2] > time && time >= v[2] - CodeCache.LATE_LOAD_NANOS && (late == null || v[2] < lateLoad)) {
                late = blobs.get(i);
                lateLoad = v[2];
            }
        }
        return best != null ? best : late;
    }
}

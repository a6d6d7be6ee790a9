package io.jperf.jit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class InlineTableTest {
    private static final MethodRef OUTER = TestCode.method("p/Outer", "run", "()V", "Outer.java", 0, 10, 5, 11);
    private static final MethodRef INNER = TestCode.method("p/Inner", "mix", "(J)J", "Inner.java", 0, 20);

    private final InlineTable table = TestCode.inlining(new int[] {0x10, 0x30},
            new Object[][][] {{{INNER, 3}, {OUTER, 5}}, {{OUTER, 0}}});

    @Test
    void anInstructionBelongsToTheFirstRecordedPcAtOrAfterIt() {
        assertEquals(0, table.scopeAt(0));
        assertEquals(0, table.scopeAt(0x10));
        assertEquals(1, table.scopeAt(0x11));
        assertEquals(1, table.scopeAt(0x30));
        assertEquals(-1, table.scopeAt(0x31), "past the last PC: no scope");
        assertEquals(-1, table.scopeAt(-1));
    }

    @Test
    void framesAreInnermostFirstWithLines() {
        assertEquals(2, table.depth(0));
        assertSame(INNER, table.method(0, 0));
        assertSame(OUTER, table.method(0, 1));
        assertEquals(20, table.line(0, 0));
        assertEquals(11, table.line(0, 1));
        assertEquals(1, table.depth(1));
        assertEquals(10, table.line(1, 0));
    }

    @Test
    void methodLinesFollowTheLineTableInAnyOrder() {
        MethodRef m = TestCode.method("p/C", "m", "()V", "C.java", 8, 42, 0, 40, 4, 41);
        assertEquals(40, m.lineAt(0));
        assertEquals(40, m.lineAt(3));
        assertEquals(41, m.lineAt(4));
        assertEquals(42, m.lineAt(100));
        assertEquals(0, TestCode.method("p/C", "n", "()V", null).lineAt(3), "no table");
        assertEquals("p/C.java", m.sourcePath());
    }
}

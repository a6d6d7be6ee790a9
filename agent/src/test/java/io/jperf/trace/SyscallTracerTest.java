package io.jperf.trace;

import io.jperf.perf.TestSamples;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pairing of raw_syscalls enter and exit events. Per-CPU rings deliver a thread's events out of time order when it
 * changed CPU during a call; the tracer must pair them by time, once every ring has been read past them.
 */
class SyscallTracerTest {
    private static final int WRITE = 1;
    private static final int READ = 0;

    /** raw_syscalls:sys_enter: common fields, id, six args. */
    private static void enter(SyscallTracer t, int tid, long time, int nr) {
        t.sample(TestSamples.raw(SyscallTracer.ENTER, tid, time, 0, nr, 1, 2, 3, 4, 5, 6));
    }

    /** raw_syscalls:sys_exit: common fields, id, return value. */
    private static void exit(SyscallTracer t, int tid, long time, int nr, long ret) {
        t.sample(TestSamples.raw(SyscallTracer.EXIT, tid, time, 0, nr, ret));
    }

    @Test
    void exitReadBeforeItsEnterStillPairs() {
        SyscallTracer t = new SyscallTracer(tid -> "writer", true, 10, false);
        // CPU 1's ring is read first: the exit (the thread moved to CPU 1 during the call), then CPU 0's: the enter.
        exit(t, 7, 200, WRITE, 16);
        enter(t, 7, 100, WRITE);
        enter(t, 7, 300, READ);
        t.drained(1000);
        exit(t, 7, 1100, READ, -11);
        t.drained(2000);
        SyscallTracer.Trace trace = t.snapshot();
        assertEquals(2, trace.calls());
        assertEquals(0, trace.unmatchedExits());
        assertEquals(0, trace.inProgress());
        assertEquals(1, trace.byCall().get(WRITE).calls());
        assertEquals(100, trace.byCall().get(WRITE).totalNanos());
        assertEquals(1, trace.byCall().get(READ).errors());
    }

    @Test
    void eventsAfterTheCompleteTimeWaitForTheNextDrain() {
        SyscallTracer t = new SyscallTracer(tid -> "writer", true, 10, false);
        enter(t, 7, 500, WRITE);
        t.drained(400);
        // Its exit may still be unread in a ring read earlier: nothing is decided yet.
        assertEquals(0, t.snapshot().inProgress());
        exit(t, 7, 600, WRITE, 16);
        t.drained(700);
        assertEquals(1, t.snapshot().calls());
        assertEquals(0, t.snapshot().unmatchedExits());
    }

    @Test
    void anExitWithoutEnterBeganBeforeTracing() {
        SyscallTracer t = new SyscallTracer(tid -> "writer", true, 10, false);
        exit(t, 7, 100, READ, 0);
        t.drained(200);
        assertEquals(1, t.snapshot().unmatchedExits());
        assertEquals(0, t.snapshot().calls());
    }
}

package io.jperf.profile;

import io.jperf.collect.IdentityCache;
import io.jperf.collect.LongIntMap;
import io.jperf.hotspot.JavaThreads;
import io.jperf.hotspot.CodeHeaps;
import io.jperf.hotspot.FrameEdges;
import io.jperf.hotspot.InterpretedMethods;
import io.jperf.jit.CodeBlob;
import io.jperf.jit.CodeCache;
import io.jperf.jit.CompiledMethod;
import io.jperf.jit.GeneratedCode;
import io.jperf.perf.Sample;
import io.jperf.perf.SampleSink;
import io.jperf.perfmap.NameStyle;
import io.jperf.stack.DwarfUnwinder;
import io.jperf.symbols.NativeSymbols;
import io.jperf.stack.FrameKind;
import io.jperf.stack.FrameTable;
import io.jperf.stack.StackResolver;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Turns raw samples into the profile, on the sampler's reader thread. A sample waits until the code cache covers
 * its time (JIT events reach jperf a little after the code runs), then its callchain is resolved into frames and
 * added under its thread's root frame; frame filters ({@code include}/{@code exclude}) apply here. With several
 * events, each has a root frame of its own above the threads: one section per event.
 */
public final class Recorder implements SampleSink {
    /** How long the JVM may take to post a JIT event after installing the code. */
    private static final long EVENT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A sample waits at most this long for the code cache, then is resolved with what is known. */
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int MAX_FRAMES = 1024;
    /**
     * Resolution may take this share of each drain cycle (4 to 40 ms); the rest waits, so the reader keeps
     * draining the rings.
     */
    private static final double BUDGET_SHARE = 0.4;
    private static final long MIN_BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(4);
    private static final long MAX_BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(40);
    /** Past this many waiting samples the budget is ignored: memory matters more than latency. */
    private static final int MAX_PENDING = 100_000;

    private final FrameTable frames = new FrameTable();
    private final StackResolver resolver;
    private final CallTree tree = new CallTree();
    private final SampleLog log;
    private final FrameFilter filter;
    private final NameStyle style;
    private final JavaThreads javaThreads;
    private final LongSupplier codeConsistentUntil;
    private final PendingSamples pending = new PendingSamples();
    private final LongIntMap threadRoots = new LongIntMap();
    /** The root frames of the events, when there are several; empty for one. */
    private final int[] eventRoots;
    private final int[] stack = new int[MAX_FRAMES];
    /** Unwinds samples that carry stack copies (cstack=dwarf), or null. */
    private final DwarfUnwinder unwinder;
    private final long[] unwound = new long[MAX_FRAMES];
    private long recorded;
    private long unwindFailures;
    private long filtered;
    /** When the reader last called {@link #drained}: the cycle the resolution budget is a share of. */
    private long lastDrained = System.nanoTime();

    /**
     * @param events the names of the sampled events, in the sampler's order
     * @param logCapacity samples kept one by one (for the data file), 0 for none
     * @param codeConsistentUntil the code cache tracker's {@code consistentUntil}
     * @param dwarf whether samples carry stack copies to unwind here
     * @param report takes one line for each part of HotSpot's layout the unwinding cannot read
     */
    public Recorder(List<String> events, CodeCache code, LongSupplier codeConsistentUntil, NameStyle style,
            FrameFilter filter, JavaThreads javaThreads, int logCapacity, boolean dwarf, Consumer<String> report) {
        this.resolver = new StackResolver(frames, code, style.lines(),
                dwarf ? interpretedMethods(style.lines(), report) : null);
        this.unwinder = dwarf ? new DwarfUnwinder(resolver.natives(), jitCode(code, resolver.natives(), report))
                : null;
        this.eventRoots = new int[events.size() > 1 ? events.size() : 0];
        for (int i = 0; i < eventRoots.length; i++) {
            eventRoots[i] = tree.child(0, frames.intern(FrameKind.EVENT, ("[" + events.get(i) + "]").intern(), 0));
        }
        this.codeConsistentUntil = codeConsistentUntil;
        this.style = style;
        this.filter = filter;
        this.javaThreads = javaThreads;
        this.log = logCapacity > 0 ? new SampleLog(logCapacity) : null;
    }

    /** Names for interpreted frames, or null (then they stay "[interpreted]"): this JVM hides its layout. */
    private static InterpretedMethods interpretedMethods(boolean lines, Consumer<String> report) {
        try {
            return InterpretedMethods.open(lines);
        } catch (java.io.IOException e) {
            report.accept("cstack=dwarf cannot name interpreted methods (" + e.getMessage()
                    + "); their frames show as [interpreted]");
            return null;
        }
    }

    /**
     * Interpreter and compiled frames by the code cache, and by HotSpot's code heaps for code JVMTI has not reported
     * yet; compiled frame sizes from the blobs' headers.
     */
    private static DwarfUnwinder.JitCode jitCode(CodeCache code, NativeSymbols natives, Consumer<String> report) {
        CodeHeaps opened;
        try {
            opened = CodeHeaps.open();
        } catch (java.io.IOException e) {
            report.accept("cstack=dwarf cannot read HotSpot's code heaps (" + e.getMessage()
                    + "); compiled Java frames unwind only with -XX:+PreserveFramePointer");
            opened = null;
        }
        CodeHeaps heaps = opened;
        return new DwarfUnwinder.JitCode() {
            /** The interpreter's code, which never moves: most frames of deep stacks return into it. */
            private CodeBlob interpreter;
            /** HotSpot's view of each compiled method JVMTI reported (a method unloaded and replaced is a new key). */
            private final IdentityCache<CodeBlob, Compiled> compiled = new IdentityCache<>(1024);

            private Compiled compiled(CodeBlob blob) {
                Compiled c = compiled.get(blob);
                if (c == null) {
                    c = new Compiled(heaps.compiled(blob.start));
                    compiled.put(blob, c);
                }
                return c;
            }

            @Override
            public int frameAt(long pc, long time) {
                CodeBlob known = interpreter;
                if (known != null && pc >= known.start && pc < known.end()) {
                    return INTERPRETER;
                }
                CodeBlob blob = code.lookup(pc, time);
                if (blob instanceof GeneratedCode g) {
                    if ("Interpreter".equals(g.name)) {
                        interpreter = g;
                        return INTERPRETER;
                    }
                    return STUB;
                }
                if (blob instanceof CompiledMethod) {
                    CodeHeaps.Blob header = heaps == null ? null : compiled(blob).header;
                    return header != null ? header.frameBytes() : STUB;
                }
                if (blob != null) {
                    return STUB;
                }
                if (heaps == null || !heaps.contains(pc)) {
                    return OTHER;
                }
                CodeHeaps.Blob found = heaps.blobAt(pc);
                return found == null ? STUB : switch (found.kind()) {
                    case COMPILED -> found.frameBytes();
                    case INTERPRETER -> INTERPRETER;
                    case OTHER -> STUB;
                };
            }

            @Override
            public int callerOffset(long pc, long time) {
                CodeBlob blob = code.lookup(pc, time);
                Compiled c = blob instanceof CompiledMethod && heaps != null ? compiled(blob) : null;
                return c == null || c.header == null ? FrameEdges.UNKNOWN
                        : c.callerOffset(pc, blob.start, blob.end());
            }

            @Override
            public boolean isCode(long address, long time) {
                return heaps != null && heaps.contains(address - 1) || code.lookup(address - 1, time) != null
                        || natives != null && natives.find(address - 1) != null;
            }
        };
    }

    @Override
    public synchronized void sample(Sample s) {
        int length = -1;
        if (unwinder != null && s.stackSize() > 0) {
            // The stack copy lives only as long as this call: unwind now, resolve later.
            try {
                length = unwinder.chain(s, unwound);
            } catch (RuntimeException e) {
                unwindFailures++; // a stack the rules misread: the kernel's chain instead
            }
        }
        if (length >= 0) {
            pending.add(s.event(), s.tid(), s.time(), s.period(), unwound, length);
        } else {
            pending.add(s.event(), s.tid(), s.time(), s.period(), s.chain(), s.chainLength());
        }
    }

    @Override
    public synchronized void drained(long now) {
        long cycle = (long) ((now - lastDrained) * BUDGET_SHARE);
        long budget = Math.max(MIN_BUDGET_NANOS, Math.min(MAX_BUDGET_NANOS, cycle));
        lastDrained = now;
        resolve(now, budget, false);
        if (resolver.natives() != null) {
            resolver.natives().releasePages(now);
        }
    }

    /** Resolves every waiting sample now: before an output is written. */
    public synchronized void flush() {
        resolve(System.nanoTime(), 0, true);
    }

    private void resolve(long now, long budget, boolean all) {
        long ready = codeConsistentUntil.getAsLong() - EVENT_DELAY_NANOS;
        long deadline = now + budget;
        int done = 0;
        for (long[] c; (c = pending.head()) != null;) {
            int at = pending.offset();
            long time = PendingSamples.time(c, at);
            if (!all && time >= ready && now - time < MAX_WAIT_NANOS) {
                break;
            }
            if (!all && pending.size() < MAX_PENDING && (++done & 63) == 0 && System.nanoTime() > deadline) {
                break;
            }
            record(PendingSamples.event(c, at), PendingSamples.tid(c, at), time, PendingSamples.period(c, at), c,
                    PendingSamples.ips(at), PendingSamples.length(c, at));
            pending.remove();
        }
    }

    /** Loads symbols before the first sample needs them. */
    public void preload() {
        resolver.preload();
    }

    private void record(int event, int tid, long time, long period, long[] chain, int from, int length) {
        int n = resolver.resolve(chain, from, length, time, stack);
        if (!filter.accepts(stack, n, frames, style)) {
            filtered++;
            return;
        }
        int node = threadRoot(event, tid);
        for (int i = n - 1; i >= 0; i--) {
            node = tree.child(node, stack[i]);
        }
        tree.add(node, 1, period);
        recorded++;
        if (log != null) {
            log.add(time, tid, node, period);
        }
    }

    /** The root frame of a thread (in its event's section), named when first seen: its Java name, else its native name. */
    private int threadRoot(int event, int tid) {
        long key = (long) event << 32 | Integer.toUnsignedLong(tid);
        int node = threadRoots.get(key, -1);
        if (node < 0) {
            String name = JavaThreads.nameOf(javaThreads, tid);
            int frame = frames.intern(FrameKind.THREAD, ("[" + name + " tid=" + tid + "]").intern(), 0);
            node = tree.child(eventRoots.length == 0 ? 0 : eventRoots[event], frame);
            threadRoots.put(key, node);
        }
        return node;
    }

    /** A consistent copy of everything so far, for output; {@code info} describes the recording. */
    public synchronized Profile snapshot(Map<String, String> info) {
        info.put("samples recorded", Long.toString(recorded));
        info.put("samples filtered out", Long.toString(filtered));
        info.put("samples waiting", Integer.toString(pending.size()));
        info.put("unknown user frames", Long.toString(resolver.unknownFrames()));
        if (unwinder != null) {
            info.put("stacks not unwound (kernel chain kept)", Long.toString(unwindFailures));
        }
        if (log != null) {
            info.put("samples not kept one by one (log full)", Long.toString(log.dropped()));
        }
        return new Profile(frames.view(), tree.copy(), log == null ? null : log.copy(), info);
    }

    /** Threads seen in samples so far. */
    public synchronized int threads() {
        return threadRoots.size();
    }

    public synchronized long recorded() {
        return recorded;
    }

    /**
     * A compiled method's HotSpot header (null: not found) and the caller offsets found at its pcs so far: a hot leaf
     * is sampled at a few pcs thousands of times, and its code does not change while the method lives.
     */
    private static final class Compiled {
        private static final int MAX_PCS = 256;
        private static final int NONE = Integer.MIN_VALUE;

        final CodeHeaps.Blob header;
        private LongIntMap offsets;

        Compiled(CodeHeaps.Blob header) {
            this.header = header;
        }

        int callerOffset(long pc, long start, long end) {
            int offset = offsets == null ? NONE : offsets.get(pc, NONE);
            if (offset == NONE) {
                offset = FrameEdges.callerOffset(pc, start, end, header.frameComplete());
                if (offsets == null) {
                    offsets = new LongIntMap();
                }
                if (offsets.size() < MAX_PCS) {
                    offsets.put(pc, offset);
                }
            }
            return offset;
        }
    }
}

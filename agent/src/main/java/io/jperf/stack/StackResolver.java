package io.jperf.stack;

import io.jperf.collect.IdentityCache;
import io.jperf.collect.LongIntMap;
import io.jperf.jit.CodeBlob;
import io.jperf.jit.CodeCache;
import io.jperf.jit.CompiledMethod;
import io.jperf.jit.GeneratedCode;
import io.jperf.jit.InlineTable;
import io.jperf.jit.MethodRef;
import io.jperf.hotspot.InterpretedMethods;
import io.jperf.symbols.KernelSymbols;
import io.jperf.symbols.NativeSymbols;

import java.io.IOException;

/**
 * Turns a perf callchain into one merged stack of frames: kernel functions, native functions, compiled Java methods
 * with the methods inlined into them, JVM stubs and interpreted frames. JIT addresses are resolved in the code
 * cache at the sample's time; native and kernel addresses are cached by address. Used by one thread.
 */
public final class StackResolver {
    /** perf's context markers in a callchain are the top 4095 values of the address space. */
    private static final long CONTEXT_MAX = -4095L;
    /** Caches by exact address or key gain an entry for every new leaf address: past this many they start over. */
    private static final int MAX_CACHED = 100_000;
    private static final long CONTEXT_KERNEL = -128L;
    private static final long CONTEXT_USER = -512L;

    private final FrameTable frames;
    private final CodeCache code;
    private final boolean lines;
    private LongIntMap kernelCache = new LongIntMap();
    private LongIntMap nativeCache = new LongIntMap();
    /** A compiled method's frames by inline scope (the method alone last); stubs' frames; hot code stays in them. */
    private final IdentityCache<CompiledMethod, int[][]> jitCache = new IdentityCache<>(1024);
    private final IdentityCache<GeneratedCode, Integer> stubCache = new IdentityCache<>(256);
    /** Interpreted frames by Method* (with the line in the top 16 bits when lines are wanted). */
    private LongIntMap interpretedCache = new LongIntMap();
    private KernelSymbols kernel;
    private boolean kernelTried;
    private NativeSymbols natives;
    private final int unknown;
    private final int interpreted;
    private final int kernelUnknown;
    private final InterpretedMethods methods;
    private long unknownFrames;

    /**
     * @param lines whether Java frames are told apart by source line (the {@code lines} naming option)
     * @param methods names the Method* of interpreted frames (callchains from {@link DwarfUnwinder}), or null
     */
    public StackResolver(FrameTable frames, CodeCache code, boolean lines, InterpretedMethods methods) {
        this.frames = frames;
        this.code = code;
        this.lines = lines;
        this.methods = methods;
        this.unknown = frames.intern(FrameKind.UNKNOWN, "[unknown]", 0);
        this.interpreted = frames.intern(FrameKind.INTERPRETED, "[interpreted]", 0);
        this.kernelUnknown = frames.intern(FrameKind.KERNEL, "[kernel]", 0);
        try {
            this.natives = new NativeSymbols();
        } catch (IOException e) {
            this.natives = null;
        }
    }

    /** Loads kernel and library symbols now (before sampling), so the reader never stalls on them later. */
    public void preload() {
        kernelFrame(0);
        if (natives != null) {
            natives.preload();
        }
    }

    /**
     * Resolves a callchain (leaf first, with perf's context markers) at {@code chain[from..from+length)} into frame
     * ids, leaf first.
     *
     * @return the number of frames written to {@code out}
     */
    public int resolve(long[] chain, int from, int length, long time, int[] out) {
        int n = 0;
        boolean user = false;
        boolean firstUser = true;
        for (int i = from; i < from + length && n < out.length; i++) {
            long ip = chain[i];
            if (ip == DwarfUnwinder.INTERPRETED_FRAME && i + 2 < from + length) {
                out[n++] = interpretedFrame(chain[i + 1], chain[i + 2]);
                i += 2;
                firstUser = false;
                continue;
            }
            if (Long.compareUnsigned(ip, CONTEXT_MAX) >= 0) {
                user = ip == CONTEXT_USER;
                if (ip != CONTEXT_USER && ip != CONTEXT_KERNEL) {
                    break; // hypervisor or guest context: not ours
                }
                continue;
            }
            if (!user) {
                out[n++] = kernelFrame(ip);
                continue;
            }
            // After the sampled address, user entries are return addresses: look up the call before them.
            long lookup = firstUser ? ip : ip - 1;
            firstUser = false;
            CodeBlob blob = code.lookup(lookup, time);
            if (blob instanceof CompiledMethod) {
                n = javaFrames((CompiledMethod) blob, ip, out, n);
            } else if (blob instanceof GeneratedCode) {
                out[n++] = stubFrame((GeneratedCode) blob);
            } else {
                out[n++] = nativeFrame(lookup);
            }
        }
        return n;
    }

    private int kernelFrame(long ip) {
        int id = kernelCache.get(ip, -1);
        if (id < 0) {
            if (!kernelTried) {
                kernelTried = true;
                try {
                    kernel = KernelSymbols.read();
                } catch (IOException | RuntimeException e) {
                    kernel = null;
                }
            }
            int index = kernel == null || !kernel.available() ? -1 : kernel.find(ip);
            id = index < 0 ? kernelUnknown : frames.intern(FrameKind.KERNEL, kernel.name(index), 0);
            kernelCache = bounded(kernelCache);
            kernelCache.put(ip, id);
        }
        return id;
    }

    private int nativeFrame(long ip) {
        int id = nativeCache.get(ip, -1);
        if (id < 0) {
            NativeSymbols.Symbol symbol = natives == null ? null : natives.find(ip);
            if (symbol == null) {
                unknownFrames++;
                return unknown; // not cached: a library may be mapped there later
            }
            id = frames.intern(FrameKind.NATIVE, symbol, 0);
            nativeCache = bounded(nativeCache);
            nativeCache.put(ip, id);
        }
        return id;
    }

    private int interpretedFrame(long method, long bcp) {
        if (methods == null) {
            return interpreted;
        }
        int line = lines ? methods.lineAt(method, bcp) : 0;
        boolean cacheable = line < 1 << 16 && method >>> 48 == 0;
        long key = method | (long) line << 48;
        int id = cacheable ? interpretedCache.get(key, -1) : -1;
        if (id < 0) {
            MethodRef m = methods.method(method);
            id = m == null ? interpreted : frames.intern(FrameKind.INTERPRETED, m, line);
            if (!cacheable) {
                return id;
            }
            interpretedCache = bounded(interpretedCache);
            interpretedCache.put(key, id);
        }
        return id;
    }

    private static LongIntMap bounded(LongIntMap cache) {
        return cache.size() >= MAX_CACHED ? new LongIntMap() : cache;
    }

    private int stubFrame(GeneratedCode stub) {
        Integer id = stubCache.get(stub);
        if (id == null) {
            id = "Interpreter".equals(stub.name) ? interpreted : frames.intern(FrameKind.STUB, stub.name.intern(), 0);
            stubCache.put(stub, id);
        }
        return id;
    }

    /** The frames of a compiled method at {@code ip}: the inlined ones innermost first, then the method itself. */
    private int javaFrames(CompiledMethod cm, long ip, int[] out, int n) {
        InlineTable table = cm.inlining;
        int scope = table.scopeAt(ip - cm.start);
        int[][] byScope = jitCache.get(cm);
        if (byScope == null) {
            byScope = new int[table.size() + 1][];
            jitCache.put(cm, byScope);
        }
        int slot = scope < 0 ? table.size() : scope;
        int[] ids = byScope[slot];
        if (ids == null) {
            if (scope < 0) {
                ids = new int[] {frames.intern(FrameKind.COMPILED, cm.method, lines ? cm.method.lineAt(0) : 0)};
            } else {
                int depth = table.depth(scope);
                ids = new int[depth];
                for (int level = 0; level < depth; level++) {
                    FrameKind kind = level == depth - 1 ? FrameKind.COMPILED : FrameKind.INLINED;
                    ids[level] = frames.intern(kind, table.method(scope, level), lines ? table.line(scope, level) : 0);
                }
            }
            byScope[slot] = ids;
        }
        for (int i = 0; i < ids.length && n < out.length; i++) {
            out[n++] = ids[i];
        }
        return n;
    }

    /** The native libraries' symbols and unwind rules (null when /proc/self/maps could not be read). */
    public NativeSymbols natives() {
        return natives;
    }

    /** User frames no mapping or code knew. */
    public long unknownFrames() {
        return unknownFrames;
    }
}

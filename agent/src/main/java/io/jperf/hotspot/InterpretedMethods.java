package io.jperf.hotspot;

import io.jperf.collect.LongMap;
import io.jperf.jit.MethodRef;
import io.jperf.linux.Cpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Names the method an interpreted frame runs from its {@code Method*}, as HotSpot lays it out (VMStructs): Method →
 * ConstMethod → name and signature indexes into the ConstantPool, whose holder Klass has the class name; names are
 * Symbols. The bytecodes follow the ConstMethod, and its compressed line number table follows them: a frame's
 * bytecode pointer gives its line. Everything is read through {@link SafeMemory}, so a stale pointer gives no name,
 * never a crash. Used by one thread; methods are cached by Method*.
 */
public final class InterpretedMethods {
    /** x86_64 and aarch64 interpreter frames keep the Method* three words below the frame pointer. */
    public static final int METHOD_SLOT = -3 * 8;
    /** ... and the caller's stack pointer (its sender sp) one word below it. */
    public static final int SENDER_SP_SLOT = -1 * 8;
    /** The bytecode pointer as the interpreter saved it at its last call (x86_64; 0 where not known). */
    public static final int BCP_SLOT = Cpu.X86_64 ? -8 * 8 : 0;
    private static final int MAX_LINE_TABLE = 64 * 1024;
    private static final int LINE_CHUNK = 256;
    private static final int PAGE = 4096;
    private static final int MAX_CACHED = 100_000;
    private static final int MAX_SYMBOL = 4096;

    private final SafeMemory memory;
    private final long constMethod;
    private final long constants;
    private final long nameIndex;
    private final long signatureIndex;
    private final long poolHolder;
    private final long klassName;
    private final long symbolLength;
    private final long symbolBody;
    private final long poolSize;
    private final long constMethodSize;
    private final long codeSize;
    private final long flags;
    private final int hasLineNumbers;
    private final long sourceFileIndex;
    /** Whether line tables are read: without {@code lines} nothing asks for them. */
    private final boolean readLines;
    /** JDK 20 changed the compressed streams' number coding (UNSIGNED5 without zero bytes). */
    private final int excludedBytes = Runtime.version().feature() >= 20 ? 1 : 0;
    private static final Method NOT_A_METHOD = new Method(null, 0, 0);
    private LongMap<Method> cache = new LongMap<>();

    /** A method and where its bytecodes are, to turn a frame's bytecode pointer into a line. */
    private record Method(MethodRef ref, long codeBase, int codeSize) {
    }

    private InterpretedMethods(VMStructs vm, SafeMemory memory, boolean readLines) throws IOException {
        this.memory = memory;
        this.readLines = readLines;
        constMethod = need(vm.offset("Method", "_constMethod"), "Method::_constMethod");
        constants = need(vm.offset("ConstMethod", "_constants"), "ConstMethod::_constants");
        nameIndex = need(vm.offset("ConstMethod", "_name_index"), "ConstMethod::_name_index");
        signatureIndex = need(vm.offset("ConstMethod", "_signature_index"), "ConstMethod::_signature_index");
        poolHolder = need(vm.offset("ConstantPool", "_pool_holder"), "ConstantPool::_pool_holder");
        klassName = need(vm.offset("Klass", "_name"), "Klass::_name");
        symbolLength = need(vm.offset("Symbol", "_length"), "Symbol::_length");
        symbolBody = need(vm.offset("Symbol", "_body"), "Symbol::_body");
        poolSize = need(vm.typeSize("ConstantPool"), "sizeof(ConstantPool)");
        constMethodSize = need(vm.typeSize("ConstMethod"), "sizeof(ConstMethod)");
        codeSize = need(vm.offset("ConstMethod", "_code_size"), "ConstMethod::_code_size");
        long flagsAt = vm.offset("ConstMethod", "_flags");
        flags = need(flagsAt >= 0 ? flagsAt : vm.offset("ConstMethod", "_flags._flags"), "ConstMethod::_flags");
        hasLineNumbers = vm.constant("ConstMethod::_has_linenumber_table",
                vm.constant("ConstMethodFlags::_misc_has_linenumber_table", 0));
        sourceFileIndex = vm.offset("ConstantPool", "_source_file_name_index");
    }

    private static long need(long value, String what) throws IOException {
        if (value < 0) {
            throw new IOException("this JVM's VMStructs lack " + what);
        }
        return value;
    }

    /**
     * Reads the layout from this JVM; the exception says what is missing. With {@code lines} false, methods carry no
     * line table and {@link #lineAt} gives 0.
     */
    public static InterpretedMethods open(boolean lines) throws IOException {
        try {
            return new InterpretedMethods(VMStructs.read(), SafeMemory.shared(), lines);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new IOException("cannot read HotSpot's VMStructs: " + e.getMessage(), e);
        }
    }

    /** The method at {@code method} (a Method*), or null when it cannot be read as one. */
    public MethodRef method(long method) {
        Method m = cached(method);
        return m == null ? null : m.ref;
    }

    /** The source line of the bytecode at {@code bcp} in {@code method}, or 0 when not known. */
    public int lineAt(long method, long bcp) {
        Method m = cached(method);
        long bci = m == null ? -1 : bcp - m.codeBase;
        return bci >= 0 && bci < m.codeSize ? m.ref.lineAt((int) bci) : 0;
    }

    private Method cached(long method) {
        if (method == 0 || (method & 7) != 0) {
            return null;
        }
        Method m = cache.get(method);
        if (m == null) {
            m = read(method);
            if (cache.size() >= MAX_CACHED) {
                cache = new LongMap<>();
            }
            // What is not a method now (a frame misread as the interpreter's) is not read again.
            cache.put(method, m == null ? NOT_A_METHOD : m);
        }
        return m == NOT_A_METHOD ? null : m;
    }

    private Method read(long method) {
        long cm = memory.readLong(method + constMethod, 0);
        long cp = cm == 0 || (cm & 7) != 0 ? 0 : memory.readLong(cm + constants, 0);
        long holder = cp == 0 || (cp & 7) != 0 ? 0 : memory.readLong(cp + poolHolder, 0);
        if (holder == 0 || (holder & 7) != 0) {
            return null;
        }
        String className = symbol(memory.readLong(holder + klassName, 0));
        String name = poolSymbol(cp, memory.readShort(cm + nameIndex, -1));
        String signature = poolSymbol(cp, memory.readShort(cm + signatureIndex, -1));
        if (className == null || name == null || signature == null || !signature.startsWith("(")) {
            return null;
        }
        long codeBase = cm + constMethodSize;
        int size = memory.readShort(cm + codeSize, 0);
        int[] lines = readLines && (memory.readShort(cm + flags, 0) & hasLineNumbers) != 0 ? lines(codeBase + size)
                : null;
        String source = sourceFileIndex < 0 ? null : poolSymbol(cp, memory.readShort(cp + sourceFileIndex, -1));
        MethodRef ref = lines == null ? new MethodRef(className, name, signature, source)
                : new MethodRef(className, name, signature, source, lines);
        return new Method(ref, codeBase, size);
    }

    /**
     * The compressed line number table at {@code at}: pairs of (bci, line) deltas, one byte (5 bits bci, 3 bits line)
     * or 0xFF and two signed numbers, up to a 0 byte. Pairs {bci, line, ...}, or null when unreadable.
     */
    private int[] lines(long at) {
        LineStream in = new LineStream(at);
        int[] pairs = new int[16];
        int n = 0;
        int bci = 0;
        int line = 0;
        for (int b; (b = in.next()) > 0;) {
            if (b == 0xFF) {
                bci += signed(in);
                line += signed(in);
            } else {
                bci += b >> 3;
                line += b & 7;
            }
            if (n == pairs.length) {
                pairs = java.util.Arrays.copyOf(pairs, n * 2);
            }
            pairs[n++] = bci;
            pairs[n++] = line;
        }
        return in.failed ? null : java.util.Arrays.copyOf(pairs, n);
    }

    /** A number of the compressed stream (UNSIGNED5: low bytes end it, high bytes carry 6 more bits), zigzag-signed. */
    private int signed(LineStream in) {
        int low = 256 - excludedBytes - 64;
        int sum = 0;
        for (int i = 0, shift = 0; i < 5; i++, shift += 6) {
            int b = in.next() - excludedBytes;
            if (b < 0) {
                in.failed = true;
                return 0;
            }
            sum += b << shift;
            if (b < low) {
                break;
            }
        }
        return (sum >>> 1) ^ -(sum & 1);
    }

    /** Bytes of a line table, read in chunks (its length is known only at its end). */
    private final class LineStream {
        private long at;
        private byte[] chunk = new byte[0];
        private int next;
        private int read;
        boolean failed;

        LineStream(long at) {
            this.at = at;
        }

        /** The next byte, or −1 at a read failure or past the bound. */
        int next() {
            if (next == chunk.length) {
                // The table may end just before an unreadable page: then read up to the page's end.
                int length = (int) Math.min(LINE_CHUNK, PAGE - (at & (PAGE - 1)));
                chunk = read < MAX_LINE_TABLE ? memory.readBytes(at, LINE_CHUNK) : null;
                if (chunk == null && read < MAX_LINE_TABLE) {
                    chunk = memory.readBytes(at, length);
                }
                if (chunk == null) {
                    failed = true;
                    chunk = new byte[0];
                    return -1;
                }
                at += chunk.length;
                read += chunk.length;
                next = 0;
            }
            return chunk[next++] & 0xFF;
        }
    }

    /** The Symbol at a constant pool index: the pool's slots follow its header. */
    private String poolSymbol(long cp, int index) {
        return index <= 0 ? null : symbol(memory.readLong(cp + poolSize + 8L * index, 0));
    }

    private String symbol(long symbol) {
        if (symbol == 0 || (symbol & 7) != 0) {
            return null;
        }
        int length = memory.readShort(symbol + symbolLength, -1);
        if (length <= 0 || length > MAX_SYMBOL) {
            return null;
        }
        byte[] bytes = memory.readBytes(symbol + symbolBody, length);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}

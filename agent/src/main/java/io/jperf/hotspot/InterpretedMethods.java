package io.jperf.hotspot;

import io.jperf.collect.LongMap;
import io.jperf.jit.MethodRef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Names the method an interpreted frame runs from its {@code Method*}, as HotSpot lays it out (VMStructs): Method →
 * ConstMethod → name and signature indexes into the ConstantPool, whose holder Klass has the class name; names are
 * Symbols. Everything is read through {@link SafeMemory}, so a stale pointer gives no name, never a crash. Used by
 * one thread; names are cached by Method*.
 */
public final class InterpretedMethods {
    /** x86_64 and aarch64 interpreter frames keep the Method* three words below the frame pointer. */
    public static final int METHOD_SLOT = -3 * 8;
    /** ... and the caller's stack pointer (its sender sp) one word below it. */
    public static final int SENDER_SP_SLOT = -1 * 8;
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
    private LongMap<MethodRef> cache = new LongMap<>();

    private InterpretedMethods(VMStructs vm, SafeMemory memory) throws IOException {
        this.memory = memory;
        constMethod = need(vm.offset("Method", "_constMethod"), "Method::_constMethod");
        constants = need(vm.offset("ConstMethod", "_constants"), "ConstMethod::_constants");
        nameIndex = need(vm.offset("ConstMethod", "_name_index"), "ConstMethod::_name_index");
        signatureIndex = need(vm.offset("ConstMethod", "_signature_index"), "ConstMethod::_signature_index");
        poolHolder = need(vm.offset("ConstantPool", "_pool_holder"), "ConstantPool::_pool_holder");
        klassName = need(vm.offset("Klass", "_name"), "Klass::_name");
        symbolLength = need(vm.offset("Symbol", "_length"), "Symbol::_length");
        symbolBody = need(vm.offset("Symbol", "_body"), "Symbol::_body");
        poolSize = need(vm.typeSize("ConstantPool"), "sizeof(ConstantPool)");
    }

    private static long need(long value, String what) throws IOException {
        if (value < 0) {
            throw new IOException("this JVM's VMStructs lack " + what);
        }
        return value;
    }

    /** Reads the layout from this JVM; the exception says what is missing. */
    public static InterpretedMethods open() throws IOException {
        try {
            return new InterpretedMethods(VMStructs.read(), SafeMemory.shared());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new IOException("cannot read HotSpot's VMStructs: " + e.getMessage(), e);
        }
    }

    /** The method at {@code method} (a Method*), or null when it cannot be read as one. */
    public MethodRef method(long method) {
        if (method == 0 || (method & 7) != 0) {
            return null;
        }
        MethodRef m = cache.get(method);
        if (m == null) {
            m = read(method);
            if (m != null) {
                if (cache.size() >= MAX_CACHED) {
                    cache = new LongMap<>();
                }
                cache.put(method, m);
            }
        }
        return m;
    }

    private MethodRef read(long method) {
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
        return new MethodRef(className, name, signature, null);
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

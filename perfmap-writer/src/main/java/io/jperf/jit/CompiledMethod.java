package io.jperf.jit;

import java.util.Set;

/** JIT-compiled code of one Java method, with the methods inlined into it. */
public final class CompiledMethod extends CodeBlob {
    public final MethodRef method;
    public final InlineTable inlining;

    public CompiledMethod(long start, int size, MethodRef method, InlineTable inlining) {
        super(start, size);
        this.method = method;
        this.inlining = inlining;
    }

    /** Whether this code runs any of these methods, compiled or inlined. */
    public boolean refersToAny(Set<MethodRef> methods) {
        return methods.contains(method) || inlining.refersToAny(methods);
    }

    @Override
    public String toString() {
        return method.toString();
    }
}

package io.jperf.jit;

/** JIT-compiled code of one Java method, with the methods inlined into it. */
public final class CompiledMethod extends CodeBlob {
    public final MethodRef method;
    public final InlineTable inlining;

    public CompiledMethod(long start, int size, MethodRef method, InlineTable inlining) {
        super(start, size);
        this.method = method;
        this.inlining = inlining;
    }

    @Override
    public String toString() {
        return method.toString();
    }
}

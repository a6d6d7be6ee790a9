package io.jperf.jit;

/** A range of the JVM's code cache: a compiled Java method or generated code (interpreter, stub, adapter). */
public abstract class CodeBlob {
    public final long start;
    public final int size;

    protected CodeBlob(long start, int size) {
        this.start = start;
        this.size = size;
    }

    public final long end() {
        return start + size;
    }
}

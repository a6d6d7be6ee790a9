package io.jperf.jit;

/** Code the JVM generates itself, named as DynamicCodeGenerated reports it ("Interpreter", "StubRoutines (1)"). */
public final class GeneratedCode extends CodeBlob {
    public final String name;

    public GeneratedCode(long start, int size, String name) {
        super(start, size);
        this.name = name;
    }

    @Override
    public String toString() {
        return name;
    }
}

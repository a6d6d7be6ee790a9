package io.jperf.perfmap;

import io.jperf.jit.CodeCache;
import io.jperf.jit.CompiledMethod;
import io.jperf.jit.GeneratedCode;
import io.jperf.jit.InlineTable;
import io.jperf.jit.MethodRef;
import io.jperf.jit.TestCode;

/** A small code cache: a compiled loop with a helper inlined into it, an unloaded method, and two stubs. */
final class Fixtures {
    static final MethodRef LOOP = TestCode.method("io/jperf/samples/Workloads", "hotLoop", "(J)J", "Workloads.java",
            0, 57, 2, 58, 12, 59);
    static final MethodRef MIX = TestCode.method("io/jperf/samples/Workloads", "mix", "(JI)J", "Workloads.java",
            0, 65);
    static final MethodRef FORMAT = TestCode.method("java/lang/String", "format",
            "(Ljava/lang/String;[Ljava/lang/Object;)Ljava/lang/String;", "String.java", 0, 4150);
    static final MethodRef LAMBDA = TestCode.method("app/Main$$Lambda.0x0000000800c03000", "run", "()V", null);
    static final MethodRef ODD = TestCode.method("weird/Na;me", "m;x", "()V", null);

    static final CompiledMethod LOOP_CODE = new CompiledMethod(0x7f0000001000L, 0x200, LOOP,
            TestCode.inlining(new int[] {0x20, 0x60, 0x90, 0x100},
                    new Object[][][] {{{LOOP, 0}}, {{MIX, 4}, {LOOP, 5}}, {{MIX, 9}, {LOOP, 5}}, {{LOOP, 12}}}));
    static final CompiledMethod FORMAT_CODE = new CompiledMethod(0x7f0000002000L, 0x80, FORMAT, InlineTable.NONE);
    static final CompiledMethod LAMBDA_CODE = new CompiledMethod(0x7f0000003000L, 0x40, LAMBDA, InlineTable.NONE);
    static final CompiledMethod ODD_CODE = new CompiledMethod(0x7f0000003100L, 0x10, ODD, InlineTable.NONE);
    static final CompiledMethod GONE_CODE = new CompiledMethod(0x7f0000004000L, 0x40, MIX, InlineTable.NONE);
    static final GeneratedCode INTERPRETER = new GeneratedCode(0x7f0000000000L, 0x800, "Interpreter");
    static final GeneratedCode ADAPTER = new GeneratedCode(0x7f0000000800L, 0x40, "I2C/C2I adapters(0xbabaab)");

    private Fixtures() {
    }

    static CodeCache.Snapshot snapshot() {
        return new TestCode().load(INTERPRETER, CodeCache.ALWAYS).load(ADAPTER, 1).load(LOOP_CODE, 2)
                .load(FORMAT_CODE, 3).load(LAMBDA_CODE, 4).load(ODD_CODE, 5).load(GONE_CODE, 6)
                .unload(GONE_CODE.start, 7).snapshot(8);
    }
}

package io.jperf.jvmti;

import com.sun.jna.Callback;

/**
 * JNA shapes of the three JVMTI code events. Pointers arrive as {@code long} so that a callback allocates nothing
 * before it decides what to copy; jperf runs on 64-bit JVMs only.
 */
public final class CodeCallbacks {
    private CodeCallbacks() {
    }

    /** jvmtiEventCompiledMethodLoad. {@code compileInfo} is valid only during the call. */
    public interface MethodLoad extends Callback {
        void invoke(long jvmtiEnv, long method, int codeSize, long codeAddr, int mapLength, long map, long compileInfo);
    }

    /** jvmtiEventCompiledMethodUnload. */
    public interface MethodUnload extends Callback {
        void invoke(long jvmtiEnv, long method, long codeAddr);
    }

    /** jvmtiEventDynamicCodeGenerated: interpreter, stubs, adapters. {@code name} is a C string. */
    public interface DynamicCode extends Callback {
        void invoke(long jvmtiEnv, long name, long address, int length);
    }
}

package io.jperf.jvmti;

import com.sun.jna.Callback;

/**
 * JNA shapes of the JVMTI events jperf uses. Pointers arrive as {@code long} so that a callback allocates nothing
 * before it decides what to copy; jperf runs on 64-bit JVMs only.
 */
public final class EventCallbacks {
    private EventCallbacks() {
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

    /** jvmtiEventThreadStart: runs on the new thread itself, before it runs any Java code of its own. */
    public interface ThreadStart extends Callback {
        void invoke(long jvmtiEnv, long jniEnv, long thread);
    }
}

package io.jperf.linux;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Function;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LibcTest {
    /** The shape of a JVMTI event callback: primitives only. */
    public interface Event extends Callback {
        void invoke(long env, long method, int size);
    }

    /** Called through its native address, a direct callback gets its arguments without JNA's reflective proxy. */
    @Test
    void directCallbacksReachTheJavaMethodWithoutTheProxy() {
        long[] got = new long[3];
        String[] stack = new String[1];
        Event event = (env, method, size) -> {
            got[0] = env;
            got[1] = method;
            got[2] = size;
            stack[0] = Arrays.toString(Thread.currentThread().getStackTrace());
        };
        Pointer address = Libc.directCallback(event);
        assertNotNull(address);
        Function.getFunction(address).invoke(Void.class, new Object[] {-2L, 0x7f00_0000_1234L, 77});
        assertEquals(-2L, got[0]);
        assertEquals(0x7f00_0000_1234L, got[1]);
        assertEquals(77, got[2]);
        assertFalse(stack[0].contains("CallbackProxy"), stack[0]);
        assertEquals(address, Libc.directCallback(event), "one native form per callback");

        Event boxed = (env, method, size) -> stack[0] = Arrays.toString(Thread.currentThread().getStackTrace());
        Function.getFunction(CallbackReference.getFunctionPointer(boxed)).invoke(Void.class, new Object[] {0L, 0L, 0});
        assertTrue(stack[0].contains("CallbackProxy"), "JNA's other form, for contrast: " + stack[0]);
    }
}

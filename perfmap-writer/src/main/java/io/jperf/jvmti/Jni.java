package io.jperf.jvmti;

import com.sun.jna.Function;
import com.sun.jna.JNIEnv;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.jperf.linux.NativeLibraries;

import java.util.Map;

/**
 * The few JNI functions jperf needs, called through JNA with the calling thread's own JNIEnv. JNI field access
 * ignores Java access control, which lets jperf read a JDK-internal field such as {@code Thread.eetop} without
 * opening modules.
 */
public final class Jni {
    private static final int GET_FIELD_ID = 94;
    private static final int GET_LONG_FIELD = 101;
    private static final int EXCEPTION_CLEAR = 17;
    private static final Map<String, Object> ALLOW_OBJECTS = Map.of(Library.OPTION_ALLOW_OBJECTS, Boolean.TRUE);

    private final Function getFieldId;
    private final Function getLongField;
    private final Function exceptionClear;

    private Jni(Pointer table) {
        getFieldId = Function.getFunction(table.getPointer((long) GET_FIELD_ID * Native.POINTER_SIZE));
        getLongField = Function.getFunction(table.getPointer((long) GET_LONG_FIELD * Native.POINTER_SIZE));
        exceptionClear = Function.getFunction(table.getPointer((long) EXCEPTION_CLEAR * Native.POINTER_SIZE));
    }

    /** The JNI function table (the same for every thread), found through the calling thread's JNIEnv. */
    public static Jni create() throws JvmtiException {
        Function memset = NativeLibraries.libc().getFunction("memset");
        Pointer env = (Pointer) memset.invoke(Pointer.class, new Object[] {JNIEnv.CURRENT, 0, 0L}, ALLOW_OBJECTS);
        if (env == null) {
            throw new JvmtiException("no JNIEnv for the current thread", -1);
        }
        return new Jni(env.getPointer(0));
    }

    /** The jfieldID of an instance field, or 0 when there is none (the NoSuchFieldError is cleared). */
    public long fieldId(Class<?> type, String name, String signature) {
        Pointer id = (Pointer) getFieldId.invoke(Pointer.class,
                new Object[] {JNIEnv.CURRENT, type, name, signature}, ALLOW_OBJECTS);
        if (id == null) {
            exceptionClear.invoke(Void.class, new Object[] {JNIEnv.CURRENT}, ALLOW_OBJECTS);
            return 0;
        }
        return Pointer.nativeValue(id);
    }

    /** A long field of an object, by jfieldID. */
    public long longField(Object object, long fieldId) {
        return (Long) getLongField.invoke(Long.class, new Object[] {JNIEnv.CURRENT, object, new Pointer(fieldId)},
                ALLOW_OBJECTS);
    }
}

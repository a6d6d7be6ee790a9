package io.jperf.jvmti;

import com.sun.jna.Callback;
import com.sun.jna.Function;
import com.sun.jna.JNIEnv;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.SymbolProvider;
import io.jperf.linux.Libc;
import io.jperf.linux.NativeLibraries;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One JVMTI environment of this JVM, bound through JNA without native code.
 *
 * <p>Slot numbers are the 0-based positions in {@code jvmtiInterface_1} (header comment number − 1), checked against
 * the jvmti.h of JDK 17 and 25 (identical for these slots). Methods are synchronized because they share one scratch
 * buffer for out-parameters; none of them is called on an application thread.
 */
public final class Jvmti {
    /** The slots of the functions {@link Functions} binds, by name. */
    private static final Map<String, Integer> SLOTS = Map.ofEntries(Map.entry("SetEventNotificationMode", 1),
            Map.entry("Deallocate", 46), Map.entry("GetSourceFileName", 49), Map.entry("GetClassMethods", 51),
            Map.entry("GetMethodName", 63), Map.entry("GetLineNumberTable", 69), Map.entry("SetEventCallbacks", 121),
            Map.entry("GenerateEvents", 122), Map.entry("DisposeEnvironment", 126), Map.entry("GetErrorName", 127),
            Map.entry("GetPotentialCapabilities", 139), Map.entry("AddCapabilities", 141));

    private static final int JNI_GET_JAVA_VM = 219;
    private static final int JAVA_VM_GET_ENV = 6;
    private static final int JVMTI_VERSION_1_2 = 0x30010200;

    /** Event numbers (jvmtiEvent). The callback struct index is the number minus 50. */
    public static final int EVENT_THREAD_START = 52;
    public static final int EVENT_COMPILED_METHOD_LOAD = 68;
    public static final int EVENT_COMPILED_METHOD_UNLOAD = 69;
    public static final int EVENT_DYNAMIC_CODE_GENERATED = 70;
    private static final int FIRST_EVENT = 50;
    private static final int CALLBACK_SLOTS = 40;

    /** Capability bits of word 0 of jvmtiCapabilities. */
    public static final int CAN_GET_SOURCE_FILE_NAME = 11;
    public static final int CAN_GET_LINE_NUMBERS = 12;
    public static final int CAN_GENERATE_COMPILED_METHOD_LOAD_EVENTS = 27;

    public static final int ERROR_NONE = 0;
    public static final int ERROR_CLASS_NOT_PREPARED = 22;
    public static final int ERROR_INVALID_METHODID = 23;
    public static final int ERROR_ABSENT_INFORMATION = 101;

    private static final Map<String, Object> ALLOW_OBJECTS = Map.of(Library.OPTION_ALLOW_OBJECTS, Boolean.TRUE);
    private static final int CAPABILITIES_SIZE = 16;

    /** JNA holds callbacks weakly (Pitfall 3): every callback ever registered stays reachable from here. */
    private static final List<Callback> KEEP_ALIVE = new ArrayList<>();

    /** Whether {@link Functions} is bound: its natives are static, and every environment shares one table. */
    private static boolean bound;

    private final long env;
    private final Memory scratch = new Memory(64);
    /** The scratch's second word: the second out-parameter of calls made by the thousand. */
    private final Pointer scratchAt8 = scratch.share(8);
    private volatile boolean disposed;

    private Jvmti(Pointer env) {
        this.env = Pointer.nativeValue(env);
        bind(env.getPointer(0));
    }

    /**
     * The JVMTI functions jperf calls, direct-mapped: JNA calls them as JNI natives, with no argument array, boxing or
     * reflection per call. Their "symbols" are the slots of the environment's function table (HotSpot has one table
     * for all environments), which {@link #bind} hands to JNA as a symbol provider.
     */
    private static final class Functions {
        static native int SetEventNotificationMode(long env, int mode, int event, Pointer thread);

        static native int Deallocate(long env, Pointer mem);

        static native int GetSourceFileName(long env, Class<?> type, Pointer name);

        static native int GetClassMethods(long env, Class<?> type, Pointer count, Pointer methods);

        static native int GetMethodName(long env, long method, Pointer name, Pointer signature, Pointer generic);

        static native int GetLineNumberTable(long env, long method, Pointer count, Pointer table);

        static native int SetEventCallbacks(long env, Pointer callbacks, int size);

        static native int GenerateEvents(long env, int event);

        static native int DisposeEnvironment(long env);

        static native int GetErrorName(long env, int error, Pointer name);

        static native int GetPotentialCapabilities(long env, Pointer capabilities);

        static native int AddCapabilities(long env, Pointer capabilities);
    }

    /** Binds {@link Functions} to a function table, once. Class arguments pass as JNI references (allow-objects). */
    private static synchronized void bind(Pointer table) {
        if (bound) {
            return;
        }
        SymbolProvider slots = (handle, name, parent) -> {
            Integer slot = SLOTS.get(name);
            return slot == null ? 0 : Pointer.nativeValue(table.getPointer((long) slot * Native.POINTER_SIZE));
        };
        Map<String, Object> options = new HashMap<>(ALLOW_OBJECTS);
        options.put(Library.OPTION_SYMBOL_PROVIDER, slots);
        Native.register(Functions.class, NativeLibrary.getProcess(options));
        bound = true;
    }

    /**
     * Creates a new JVMTI environment for the calling JVM. Works in premain, where {@code JNI_GetCreatedJavaVMs} still
     * answers no VM: libc {@code memset(env, 0, 0)} returns the JNIEnv* JNA passes for {@link JNIEnv#CURRENT}.
     */
    public static Jvmti create() throws JvmtiException {
        Function memset = NativeLibraries.libc().getFunction("memset");
        Pointer jniEnv = (Pointer) memset.invoke(Pointer.class, new Object[] {JNIEnv.CURRENT, 0, 0L}, ALLOW_OBJECTS);
        if (jniEnv == null) {
            throw new JvmtiException("no JNIEnv for the current thread", -1);
        }
        Memory out = new Memory(Native.POINTER_SIZE);
        out.setPointer(0, null);
        int rc = slot(jniEnv, JNI_GET_JAVA_VM).invokeInt(new Object[] {jniEnv, out});
        Pointer vm = out.getPointer(0);
        if (rc != 0 || vm == null) {
            throw new JvmtiException("JNI GetJavaVM failed", rc);
        }
        out.setPointer(0, null);
        rc = slot(vm, JAVA_VM_GET_ENV).invokeInt(new Object[] {vm, out, JVMTI_VERSION_1_2});
        Pointer jvmti = out.getPointer(0);
        if (rc != 0 || jvmti == null) {
            throw new JvmtiException("JavaVM GetEnv(JVMTI 1.2) failed", rc);
        }
        try {
            return new Jvmti(jvmti);
        } catch (LinkageError e) {
            throw new JvmtiException("cannot bind this JVM's JVMTI functions: " + e.getMessage(), -1);
        }
    }

    private static Function slot(Pointer structWithTable, int slot) {
        return Function.getFunction(structWithTable.getPointer(0).getPointer((long) slot * Native.POINTER_SIZE));
    }

    private void check(int rc, String what) throws JvmtiException {
        if (rc != ERROR_NONE) {
            throw new JvmtiException(what + " failed: " + errorName(rc), rc);
        }
    }

    /** Adds the capabilities whose word-0 bits are given; fails if the VM cannot offer one of them. */
    public synchronized void addCapabilities(int... bits) throws JvmtiException {
        scratch.clear(CAPABILITIES_SIZE);
        check(Functions.GetPotentialCapabilities(env, scratch), "GetPotentialCapabilities");
        int potential = scratch.getInt(0);
        int wanted = 0;
        for (int bit : bits) {
            if ((potential & (1 << bit)) == 0) {
                throw new JvmtiException("capability bit " + bit + " is not available in this VM", -1);
            }
            wanted |= 1 << bit;
        }
        scratch.clear(CAPABILITIES_SIZE);
        scratch.setInt(0, wanted);
        check(Functions.AddCapabilities(env, scratch), "AddCapabilities");
    }

    /**
     * Installs callbacks, indexed by event number. The callbacks are kept reachable for the life of the JVM: the JVM
     * may still be inside one when a later call replaces them.
     */
    public synchronized void setEventCallbacks(Map<Integer, Callback> byEvent) throws JvmtiException {
        Memory table = new Memory((long) CALLBACK_SLOTS * Native.POINTER_SIZE);
        table.clear();
        for (Map.Entry<Integer, Callback> e : byEvent.entrySet()) {
            synchronized (KEEP_ALIVE) {
                KEEP_ALIVE.add(e.getValue());
            }
            table.setPointer((long) (e.getKey() - FIRST_EVENT) * Native.POINTER_SIZE,
                    Libc.directCallback(e.getValue()));
        }
        check(Functions.SetEventCallbacks(env, table, (int) table.size()), "SetEventCallbacks");
    }

    /** Removes all callbacks: no more events reach Java after this returns. */
    public synchronized void clearEventCallbacks() throws JvmtiException {
        check(Functions.SetEventCallbacks(env, null, 0), "SetEventCallbacks(NULL)");
    }

    public synchronized void setEventEnabled(int event, boolean enabled) throws JvmtiException {
        check(Functions.SetEventNotificationMode(env, enabled ? 1 : 0, event, null), "SetEventNotificationMode");
    }

    /** Replays CompiledMethodLoad or DynamicCodeGenerated for code that exists now, synchronously on this thread. */
    public void generateEvents(int event) throws JvmtiException {
        // Not synchronized: the replayed callbacks run on this thread and must not wait for other JVMTI callers.
        if (!disposed) {
            check(Functions.GenerateEvents(env, event), "GenerateEvents");
        }
    }

    /**
     * The jmethodIDs of the methods a class declares. Passes the Class object itself as the jclass: a jclass that JVMTI
     * returned through an out-parameter dies with the JNA call (Pitfall 1).
     *
     * @return the ids, or null with {@link #ERROR_CLASS_NOT_PREPARED} when the class is not prepared yet
     */
    public synchronized long[] classMethods(Class<?> type) throws JvmtiException {
        scratch.clear(16);
        int rc = Functions.GetClassMethods(env, type, scratch, scratchAt8);
        if (rc == ERROR_CLASS_NOT_PREPARED) {
            return null;
        }
        check(rc, "GetClassMethods");
        int count = scratch.getInt(0);
        Pointer ids = scratch.getPointer(8);
        long[] result = new long[count];
        if (count > 0) {
            ids.read(0, result, 0, count);
        }
        deallocate(ids);
        return result;
    }

    /** The SourceFile attribute of a class, or null when the class has none. */
    public synchronized String sourceFileName(Class<?> type) throws JvmtiException {
        scratch.clear(8);
        int rc = Functions.GetSourceFileName(env, type, scratch);
        if (rc == ERROR_ABSENT_INFORMATION) {
            return null;
        }
        check(rc, "GetSourceFileName");
        return takeString(scratch.getPointer(0));
    }

    /**
     * Name and descriptor of a method.
     *
     * @return {name, descriptor}, or null when the id no longer names a method (its class was unloaded)
     */
    public synchronized String[] methodName(long methodId) throws JvmtiException {
        scratch.clear(16);
        int rc = Functions.GetMethodName(env, methodId, scratch, scratchAt8, null);
        if (rc == ERROR_INVALID_METHODID) {
            return null;
        }
        check(rc, "GetMethodName");
        return new String[] {takeString(scratch.getPointer(0)), takeString(scratch.getPointer(8))};
    }

    /**
     * The line number table of a method as pairs {startBci, line, startBci, line, ...} in the JVM's order, or an empty
     * array when the method has none (native, abstract, compiled without debug info).
     */
    public synchronized int[] lineNumberTable(long methodId) throws JvmtiException {
        scratch.clear(16);
        int rc = Functions.GetLineNumberTable(env, methodId, scratch, scratchAt8);
        if (rc == ERROR_ABSENT_INFORMATION || rc == ERROR_INVALID_METHODID || rc == 104 /* NATIVE_METHOD */) {
            return new int[0];
        }
        check(rc, "GetLineNumberTable");
        int count = scratch.getInt(0);
        Pointer table = scratch.getPointer(8);
        int[] pairs = new int[count * 2];
        for (int i = 0; i < count; i++) {
            // jvmtiLineNumberEntry: jlocation start_location (8 bytes), jint line_number, 4 bytes padding.
            pairs[2 * i] = (int) table.getLong(16L * i);
            pairs[2 * i + 1] = table.getInt(16L * i + 8);
        }
        deallocate(table);
        return pairs;
    }

    public synchronized String errorName(int error) {
        if (disposed) {
            return "JVMTI error " + error;
        }
        Memory out = new Memory(Native.POINTER_SIZE);
        out.setPointer(0, null);
        if (Functions.GetErrorName(env, error, out) != ERROR_NONE || out.getPointer(0) == null) {
            return "JVMTI error " + error;
        }
        return takeString(out.getPointer(0)) + " (" + error + ")";
    }

    /** Disposes the environment; callbacks must have been cleared first. Idempotent. */
    public synchronized void dispose() {
        if (!disposed) {
            disposed = true;
            Functions.DisposeEnvironment(env);
        }
    }

    private String takeString(Pointer chars) {
        if (chars == null) {
            return null;
        }
        String s = chars.getString(0, "UTF-8");
        deallocate(chars);
        return s;
    }

    private void deallocate(Pointer p) {
        if (p != null) {
            Functions.Deallocate(env, p);
        }
    }

}

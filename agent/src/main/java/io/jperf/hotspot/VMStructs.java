package io.jperf.hotspot;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.util.HashMap;
import java.util.Map;

/**
 * HotSpot's description of itself ({@code gHotSpotVMStructs}, exported by libjvm for the serviceability agent): field
 * offsets of VM structures by type and field name, read once.
 */
public final class VMStructs {
    private final Map<String, Long> offsets = new HashMap<>();
    private final Map<String, Long> sizes = new HashMap<>();

    /** The JVM's layout never changes while it runs: read once. */
    private static VMStructs cached;

    private VMStructs() {
    }

    /** The table of the running JVM, read at the first call; fails when libjvm does not export it. */
    public static synchronized VMStructs read() {
        if (cached == null) {
            cached = load();
        }
        return cached;
    }

    private static VMStructs load() {
        NativeLibrary jvm = NativeLibrary.getProcess();
        Pointer table = jvm.getGlobalVariableAddress("gHotSpotVMStructs").getPointer(0);
        long typeName = exported(jvm, "gHotSpotVMStructEntryTypeNameOffset");
        long fieldName = exported(jvm, "gHotSpotVMStructEntryFieldNameOffset");
        long isStatic = exported(jvm, "gHotSpotVMStructEntryIsStaticOffset");
        long offset = exported(jvm, "gHotSpotVMStructEntryOffsetOffset");
        long stride = exported(jvm, "gHotSpotVMStructEntryArrayStride");
        VMStructs v = new VMStructs();
        for (long at = 0;; at += stride) {
            Pointer type = table.getPointer(at + typeName);
            if (type == null) {
                break;
            }
            Pointer field = table.getPointer(at + fieldName);
            if (field != null && table.getInt(at + isStatic) == 0) {
                v.offsets.put(type.getString(0) + "::" + field.getString(0), table.getLong(at + offset));
            }
        }
        Pointer types = jvm.getGlobalVariableAddress("gHotSpotVMTypes").getPointer(0);
        long typeNameAt = exported(jvm, "gHotSpotVMTypeEntryTypeNameOffset");
        long sizeAt = exported(jvm, "gHotSpotVMTypeEntrySizeOffset");
        long typeStride = exported(jvm, "gHotSpotVMTypeEntryArrayStride");
        for (long at = 0;; at += typeStride) {
            Pointer type = types.getPointer(at + typeNameAt);
            if (type == null) {
                break;
            }
            v.sizes.put(type.getString(0), types.getLong(at + sizeAt));
        }
        return v;
    }

    private static long exported(NativeLibrary jvm, String name) {
        return jvm.getGlobalVariableAddress(name).getLong(0);
    }

    /** The offset of a non-static field, e.g. {@code offset("OSThread", "_thread_id")}; −1 when unknown. */
    public long offset(String type, String field) {
        Long o = offsets.get(type + "::" + field);
        return o == null ? -1 : o;
    }

    /** sizeof a VM type, e.g. {@code typeSize("ConstantPool")}; −1 when unknown. */
    public long typeSize(String type) {
        Long s = sizes.get(type);
        return s == null ? -1 : s;
    }

    public int size() {
        return offsets.size();
    }
}

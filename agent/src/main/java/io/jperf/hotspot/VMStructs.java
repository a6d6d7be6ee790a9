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
    private final Map<String, Long> statics = new HashMap<>();
    private final Map<String, Integer> constants = new HashMap<>();

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
        long address = exported(jvm, "gHotSpotVMStructEntryAddressOffset");
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
            } else if (field != null) {
                v.statics.put(type.getString(0) + "::" + field.getString(0), Pointer.nativeValue(
                        table.getPointer(at + address)));
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
        Pointer ints = jvm.getGlobalVariableAddress("gHotSpotVMIntConstants").getPointer(0);
        long intNameAt = exported(jvm, "gHotSpotVMIntConstantEntryNameOffset");
        long intValueAt = exported(jvm, "gHotSpotVMIntConstantEntryValueOffset");
        long intStride = exported(jvm, "gHotSpotVMIntConstantEntryArrayStride");
        for (long at = 0;; at += intStride) {
            Pointer name = ints.getPointer(at + intNameAt);
            if (name == null) {
                break;
            }
            v.constants.put(name.getString(0), ints.getInt(at + intValueAt));
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

    /** The address of a static field, e.g. {@code address("CodeCache", "_heaps")}; 0 when unknown. */
    public long address(String type, String field) {
        Long a = statics.get(type + "::" + field);
        return a == null ? 0 : a;
    }

    /** An integer constant, e.g. {@code constant("CodeBlobKind::Nmethod")}; {@code otherwise} when unknown. */
    public int constant(String name, int otherwise) {
        return constants.getOrDefault(name, otherwise);
    }

    /** sizeof a VM type, e.g. {@code typeSize("ConstantPool")}; −1 when unknown. */
    public long typeSize(String type) {
        Long s = sizes.get(type);
        return s == null ? -1 : s;
    }
}

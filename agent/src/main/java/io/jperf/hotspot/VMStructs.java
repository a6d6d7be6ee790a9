package io.jperf.hotspot;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

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
        long fieldName = exported(jvm, "gHotSpotVMStructEntryFieldNameOffset");
        long isStatic = exported(jvm, "gHotSpotVMStructEntryIsStaticOffset");
        long offset = exported(jvm, "gHotSpotVMStructEntryOffsetOffset");
        long address = exported(jvm, "gHotSpotVMStructEntryAddressOffset");
        long sizeAt = exported(jvm, "gHotSpotVMTypeEntrySizeOffset");
        long valueAt = exported(jvm, "gHotSpotVMIntConstantEntryValueOffset");
        VMStructs v = new VMStructs();
        walk(jvm, "gHotSpotVMStructs", "gHotSpotVMStructEntry", "TypeNameOffset", (entry, type) -> {
            Pointer field = entry.getPointer(fieldName);
            if (field != null && entry.getInt(isStatic) == 0) {
                v.offsets.put(type + "::" + field.getString(0), entry.getLong(offset));
            } else if (field != null) {
                v.statics.put(type + "::" + field.getString(0), Pointer.nativeValue(entry.getPointer(address)));
            }
        });
        walk(jvm, "gHotSpotVMTypes", "gHotSpotVMTypeEntry", "TypeNameOffset",
                (entry, type) -> v.sizes.put(type, entry.getLong(sizeAt)));
        walk(jvm, "gHotSpotVMIntConstants", "gHotSpotVMIntConstantEntry", "NameOffset",
                (entry, name) -> v.constants.put(name, entry.getInt(valueAt)));
        return v;
    }

    /**
     * Walks one of the tables libjvm exports (each with its entry layout exported beside it) up to the entry with no
     * name, handing each entry and its name to {@code visit}.
     */
    private static void walk(NativeLibrary jvm, String table, String entry, String nameOffset,
            BiConsumer<Pointer, String> visit) {
        Pointer entries = jvm.getGlobalVariableAddress(table).getPointer(0);
        long nameAt = exported(jvm, entry + nameOffset);
        long stride = exported(jvm, entry + "ArrayStride");
        for (long at = 0;; at += stride) {
            Pointer name = entries.getPointer(at + nameAt);
            if (name == null) {
                return;
            }
            visit.accept(entries.share(at), name.getString(0));
        }
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

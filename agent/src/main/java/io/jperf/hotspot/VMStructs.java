package io.jperf.hotspot;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.lang.ref.WeakReference;
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

    /**
     * The JVM's layout never changes while it runs, but the table is some 5 000 named entries of which jperf keeps a
     * few dozen: held weakly, it goes once the readers built at start-up have taken theirs.
     */
    private static WeakReference<VMStructs> cached = new WeakReference<>(null);

    private VMStructs() {
    }

    /** The table of the running JVM, read at the first call; fails when libjvm does not export it. */
    public static synchronized VMStructs read() {
        VMStructs v = cached.get();
        if (v == null) {
            v = load();
            cached = new WeakReference<>(v);
        }
        return v;
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
        walk(jvm, "gHotSpotVMStructs", "gHotSpotVMStructEntry", "TypeNameOffset", (entries, at, type) -> {
            Pointer field = entries.getPointer(at + fieldName);
            if (field != null && entries.getInt(at + isStatic) == 0) {
                v.offsets.put(type + "::" + field.getString(0), entries.getLong(at + offset));
            } else if (field != null) {
                v.statics.put(type + "::" + field.getString(0), Pointer.nativeValue(entries.getPointer(at + address)));
            }
        });
        walk(jvm, "gHotSpotVMTypes", "gHotSpotVMTypeEntry", "TypeNameOffset",
                (entries, at, type) -> v.sizes.put(type, entries.getLong(at + sizeAt)));
        walk(jvm, "gHotSpotVMIntConstants", "gHotSpotVMIntConstantEntry", "NameOffset",
                (entries, at, name) -> v.constants.put(name, entries.getInt(at + valueAt)));
        return v;
    }

    /** An entry of a table: the table, the entry's offset in it, and the entry's name. */
    private interface Visitor {
        void visit(Pointer entries, long at, String name);
    }

    /**
     * Walks one of the tables libjvm exports (each with its entry layout exported beside it) up to the entry with no
     * name, handing each entry and its name to {@code visit}. A type's fields are listed together under one name
     * string, read once.
     */
    private static void walk(NativeLibrary jvm, String table, String entry, String nameOffset, Visitor visit) {
        Pointer entries = jvm.getGlobalVariableAddress(table).getPointer(0);
        long nameAt = exported(jvm, entry + nameOffset);
        long stride = exported(jvm, entry + "ArrayStride");
        long lastName = 0;
        String name = null;
        for (long at = 0;; at += stride) {
            long namePointer = entries.getLong(at + nameAt);
            if (namePointer == 0) {
                return;
            }
            if (namePointer != lastName) {
                name = new Pointer(namePointer).getString(0);
                lastName = namePointer;
            }
            visit.visit(entries, at, name);
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

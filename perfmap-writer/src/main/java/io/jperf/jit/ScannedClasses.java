package io.jperf.jit;

/**
 * The classes whose methods {@link MethodTable} listed, by identity, held weakly through their {@link
 * MethodTable.ClassInfo}: an open-addressing table in jperf's own code. A WeakHashMap did this, and the thousands of
 * lookups of each rescan made the JDK's code hot for C2 to compile on jperf's behalf. A cleared entry stays until
 * {@link #remove} is given it (from the reference queue).
 */
final class ScannedClasses {
    private MethodTable.ClassInfo[] slots = new MethodTable.ClassInfo[256];
    private int size;

    int size() {
        return size;
    }

    boolean contains(Class<?> type) {
        int mask = slots.length - 1;
        int hash = System.identityHashCode(type);
        for (int i = spread(hash) & mask; slots[i] != null; i = (i + 1) & mask) {
            if (slots[i].hash == hash && slots[i].refersTo(type)) {
                return true;
            }
        }
        return false;
    }

    void add(MethodTable.ClassInfo info) {
        if ((size + 1) * 2 > slots.length) {
            MethodTable.ClassInfo[] old = slots;
            slots = new MethodTable.ClassInfo[old.length * 2];
            for (MethodTable.ClassInfo o : old) {
                if (o != null) {
                    place(o);
                }
            }
        }
        place(info);
        size++;
    }

    /** Removes that very entry (its class may be gone already: found by the hash it kept). */
    void remove(MethodTable.ClassInfo info) {
        int mask = slots.length - 1;
        int i = spread(info.hash) & mask;
        while (slots[i] != null && slots[i] != info) {
            i = (i + 1) & mask;
        }
        if (slots[i] == null) {
            return;
        }
        slots[i] = null;
        size--;
        // Linear probing: move back the entries of the run after the hole that may no longer be reached.
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            MethodTable.ClassInfo moved = slots[j];
            slots[j] = null;
            place(moved);
        }
    }

    private void place(MethodTable.ClassInfo info) {
        int mask = slots.length - 1;
        int i = spread(info.hash) & mask;
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        slots[i] = info;
    }

    private static int spread(int hash) {
        return hash * 0x9E37_79B9;
    }
}

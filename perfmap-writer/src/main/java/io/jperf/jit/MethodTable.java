package io.jperf.jit;

import io.jperf.collect.LongMap;
import io.jperf.jvmti.Jvmti;
import io.jperf.jvmti.JvmtiException;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * jmethodID → {@link MethodRef}. The declaring class comes from a table built by asking JVMTI for the methods of each
 * loaded {@code Class} object: a jclass that JVMTI hands back through an out-parameter is a local reference that dies
 * with the call and later names another class (Pitfall 1). Classes are held weakly; when one is unloaded its
 * jmethodIDs are forgotten, because HotSpot may reuse them for a later class.
 *
 * <p>Used by the tracker's resolver thread only.
 */
final class MethodTable {
    /** Stands for a method whose class jperf could not find, or that was unloaded before it was resolved. */
    static final MethodRef UNKNOWN = new MethodRef("", "[unknown]", "", null, new int[0]);

    private final Jvmti jvmti;
    private final Supplier<Class<?>[]> loadedClasses;
    private final ScannedClasses scanned = new ScannedClasses();
    private final LongMap<ClassInfo> classOfMethod = new LongMap<>();
    private final LongMap<MethodRef> resolved = new LongMap<>();
    /** Method names and descriptors repeat across classes ("<init>", "()V"): one copy each. */
    private final Map<String, String> strings = new HashMap<>();
    private final ReferenceQueue<Class<?>> unloadedClasses = new ReferenceQueue<>();
    private boolean rescannedThisPass;
    private volatile long rescans;
    private volatile long gone;

    MethodTable(Jvmti jvmti, Supplier<Class<?>[]> loadedClasses) {
        this.jvmti = jvmti;
        this.loadedClasses = loadedClasses;
    }

    static final class ClassInfo extends WeakReference<Class<?>> {
        /** The class's identity hash, kept for when it is gone. */
        final int hash;
        /** The internal name, made when a method of the class is first named: most classes' never are. */
        private String name;
        final long[] methodIds;
        private boolean sourceKnown;
        private String sourceFile;

        ClassInfo(Class<?> type, long[] methodIds, ReferenceQueue<Class<?>> queue) {
            super(type, queue);
            this.hash = System.identityHashCode(type);
            this.methodIds = methodIds;
        }

        String name() {
            if (name == null) {
                Class<?> type = get();
                name = type == null ? "[unloaded]" : internalName(type);
            }
            return name;
        }

        String sourceFile(Jvmti jvmti) throws JvmtiException {
            if (!sourceKnown) {
                Class<?> type = get();
                sourceFile = type == null ? null : jvmti.sourceFileName(type);
                sourceKnown = true;
            }
            return sourceFile;
        }
    }

    /** {@code java/lang/String}; a hidden class {@code a.B$$Lambda/0x12} becomes {@code a/B$$Lambda.0x12}, as JVMTI spells it. */
    static String internalName(Class<?> type) {
        String name = type.getName();
        if (type.isHidden()) {
            int slash = name.lastIndexOf('/');
            if (slash > 0) {
                return name.substring(0, slash).replace('.', '/') + '.' + name.substring(slash + 1);
            }
        }
        return name.replace('.', '/');
    }

    private String shared(String s) {
        String known = strings.putIfAbsent(s, s);
        return known == null ? s : known;
    }

    /** A new resolver pass begins: allow one more rescan of the loaded classes. */
    void newPass() {
        rescannedThisPass = false;
    }

    /**
     * The method of a jmethodID. Rescans the loaded classes once per pass when the id is new.
     *
     * @param withLines also fetch its line table if not known yet
     * @return the method; {@link #UNKNOWN} when the id no longer names a method (its class was unloaded before it
     *         could be named); null when its class was not found (loaded after this pass's rescan: ask again in the
     *         next pass)
     */
    MethodRef resolve(long methodId, boolean withLines) {
        ClassInfo owner = methodId == 0 ? null : classOfMethod.get(methodId);
        MethodRef cached = owner == null || owner.get() == null ? null : resolved.get(methodId);
        try {
            if (cached != null) {
                if (withLines && !cached.hasLines()) {
                    cached.setLines(jvmti.lineNumberTable(methodId));
                }
                return cached;
            }
            String[] nameAndDescriptor = methodId == 0 ? null : jvmti.methodName(methodId);
            if (nameAndDescriptor == null) {
                gone++;
                return UNKNOWN;
            }
            if ((owner == null || owner.get() == null) && !rescannedThisPass) {
                rescan();
                owner = classOfMethod.get(methodId);
            }
            if (owner == null || owner.get() == null) {
                return null;
            }
            MethodRef m = new MethodRef(owner.name(), shared(nameAndDescriptor[0]), shared(nameAndDescriptor[1]),
                    owner.sourceFile(jvmti));
            if (withLines) {
                m.setLines(jvmti.lineNumberTable(methodId));
            }
            resolved.put(methodId, m);
            return m;
        } catch (JvmtiException e) {
            gone++;
            return UNKNOWN;
        }
    }

    private void rescan() {
        rescannedThisPass = true;
        rescans++;
        List<ClassInfo> found = new ArrayList<>();
        int methods = 0;
        for (Class<?> type : loadedClasses.get()) {
            if (type.isArray() || type.isPrimitive() || scanned.contains(type)) {
                continue;
            }
            long[] ids;
            try {
                ids = jvmti.classMethods(type);
            } catch (JvmtiException e) {
                continue;
            }
            if (ids == null) {
                continue; // not prepared yet: try again in a later rescan
            }
            ClassInfo info = new ClassInfo(type, ids, unloadedClasses);
            scanned.add(info);
            found.add(info);
            methods += ids.length;
        }
        // The first scan finds every class loaded so far (some 20 000 methods): the table grows once.
        classOfMethod.ensureCapacity(classOfMethod.size() + methods);
        for (ClassInfo info : found) {
            for (long id : info.methodIds) {
                classOfMethod.put(id, info);
            }
        }
    }

    /**
     * Forgets the jmethodIDs of classes that were unloaded.
     *
     * @return the methods of those classes that were resolved, by identity
     */
    Set<MethodRef> purgeUnloaded() {
        Set<MethodRef> unloaded = null; // made only when a class went: this runs on every pass, ten times a second
        for (Object ref; (ref = unloadedClasses.poll()) != null;) {
            if (unloaded == null) {
                unloaded = Collections.newSetFromMap(new IdentityHashMap<>());
            }
            ClassInfo info = (ClassInfo) ref;
            scanned.remove(info);
            for (long id : info.methodIds) {
                if (classOfMethod.get(id) == info) {
                    classOfMethod.remove(id);
                    MethodRef m = resolved.remove(id);
                    if (m != null) {
                        unloaded.add(m);
                    }
                }
            }
        }
        return unloaded == null ? Set.of() : unloaded;
    }

    /** Methods whose class was unloaded before they could be named. */
    long gone() {
        return gone;
    }

    long rescans() {
        return rescans;
    }

    int knownMethods() {
        return classOfMethod.size();
    }
}

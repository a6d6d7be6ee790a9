package io.jperf.jit;

import org.junit.jupiter.api.Test;

import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScannedClassesTest {
    private static final Class<?>[] CLASSES = {String.class, Integer.class, Long.class, List.class, ArrayList.class,
        Thread.class, Runnable.class, Math.class, StringBuilder.class, Object.class, Class.class, Character.class};

    @Test
    void classesAreFoundByIdentityUntilRemovedAndTheRestStaysReachable() {
        ReferenceQueue<Class<?>> queue = new ReferenceQueue<>();
        ScannedClasses scanned = new ScannedClasses();
        List<MethodTable.ClassInfo> infos = new ArrayList<>();
        // Many more entries than the first table holds: it grows; the same classes again make colliding runs.
        for (int copy = 0; copy < 60; copy++) {
            for (Class<?> c : CLASSES) {
                MethodTable.ClassInfo info = new MethodTable.ClassInfo(c, new long[0], queue);
                scanned.add(info);
                infos.add(info);
            }
        }
        assertEquals(CLASSES.length * 60, scanned.size());
        assertFalse(scanned.contains(Double.class));
        // Remove every entry but the last of each class: each class stays found until its last entry goes.
        for (int i = 0; i < infos.size() - CLASSES.length; i++) {
            scanned.remove(infos.get(i));
            for (Class<?> c : CLASSES) {
                assertTrue(scanned.contains(c), c + " after removing " + (i + 1));
            }
        }
        infos.get(infos.size() - 1).clear(); // its class unloaded: found no more, still removable by identity
        assertFalse(scanned.contains(CLASSES[CLASSES.length - 1]));
        for (int i = infos.size() - CLASSES.length; i < infos.size(); i++) {
            scanned.remove(infos.get(i));
        }
        assertEquals(0, scanned.size());
        for (Class<?> c : CLASSES) {
            assertFalse(scanned.contains(c));
        }
        scanned.remove(infos.get(0)); // gone already: nothing happens
        assertEquals(0, scanned.size());
    }
}

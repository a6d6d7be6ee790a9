package io.jperf.collect;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentityCacheTest {
    @Test
    void findsByIdentityAndStaysBounded() {
        IdentityCache<String, Integer> cache = new IdentityCache<>(16);
        String a = new String("same");
        String b = new String("same");
        cache.put(a, 1);
        assertEquals(1, cache.get(a));
        assertNull(cache.get(b), "an equal but other key is another key");
        String[] keys = new String[1000];
        int found = 0;
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "k" + i;
            cache.put(keys[i], i);
        }
        for (int i = 0; i < keys.length; i++) {
            Integer v = cache.get(keys[i]);
            if (v != null) {
                assertEquals(i, v);
                found++;
            }
        }
        assertTrue(found > 0 && found <= 16, "at most one key per slot: " + found);
        assertThrows(IllegalArgumentException.class, () -> new IdentityCache<>(12));
    }
}

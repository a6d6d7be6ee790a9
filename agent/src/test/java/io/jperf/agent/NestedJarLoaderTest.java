package io.jperf.agent;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NestedJarLoaderTest {
    /** A class for the nested jar: loaded there it is a different class from the test's own copy. */
    public static final class Probe implements java.util.function.Supplier<String> {
        @Override
        public String get() {
            return getClass().getClassLoader().getName();
        }
    }

    private static byte[] jar(boolean stored) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            String name = Probe.class.getName().replace('.', '/') + ".class";
            byte[] classBytes;
            try (InputStream in = Probe.class.getClassLoader().getResourceAsStream(name)) {
                classBytes = in.readAllBytes();
            }
            add(jar, name, classBytes, stored);
            add(jar, "data/hello.txt", "hello nested".getBytes(), stored);
        }
        return bytes.toByteArray();
    }

    private static void add(JarOutputStream jar, String name, byte[] data, boolean stored) throws Exception {
        JarEntry e = new JarEntry(name);
        if (stored) {
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(data);
            e.setMethod(ZipEntry.STORED);
            e.setSize(data.length);
            e.setCrc(crc.getValue());
        }
        jar.putNextEntry(e);
        jar.write(data);
        jar.closeEntry();
    }

    @Test
    void loadsClassesAndResourcesInIsolation() throws Exception {
        for (boolean stored : new boolean[] {false, true}) {
            URL outer = Path.of("jperf.jar").toUri().toURL();
            NestedJarLoader loader = new NestedJarLoader(jar(stored), outer);
            Class<?> c = loader.loadClass(Probe.class.getName());
            assertNotSame(Probe.class, c, "the application's copy must not be used");
            assertEquals(outer, c.getProtectionDomain().getCodeSource().getLocation());
            @SuppressWarnings("unchecked")
            java.util.function.Supplier<String> probe =
                    (java.util.function.Supplier<String>) c.getDeclaredConstructor().newInstance();
            assertEquals("jperf", probe.get());
            try (InputStream in = loader.getResourceAsStream("data/hello.txt")) {
                assertEquals("hello nested", new String(in.readAllBytes()));
            }
            assertNull(loader.getResource("data/missing.txt"));
            assertThrows(ClassNotFoundException.class, () -> loader.loadClass("org.junit.jupiter.api.Test"),
                    "the test's class path must be invisible");
        }
    }

    @Test
    void rejectsSomethingThatIsNotAJar() {
        assertThrows(java.io.IOException.class, () -> new NestedJarLoader(new byte[100], null));
    }

    @Test
    void nativeLibrariesComeAsVerifiedFilesThatStay(@org.junit.jupiter.api.io.TempDir Path home) throws Exception {
        String realHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            cacheRoundTrip(home);
        } finally {
            System.setProperty("user.home", realHome);
        }
    }

    private static void cacheRoundTrip(Path home) throws Exception {
        byte[] lib = "not really an ELF file".getBytes();
        Path first = NativeLibraryCache.file("com/sun/jna/linux-x86-64/libtest.so", lib);
        Path again = NativeLibraryCache.file("com/sun/jna/linux-x86-64/libtest.so", lib);
        assertEquals(first, again, "one shared copy per content");
        assertEquals("libtest.so", first.getFileName().toString());
        assertTrue(first.startsWith(home.resolve(".cache/jperf/native")), first.toString());
        assertTrue(java.util.Arrays.equals(lib, java.nio.file.Files.readAllBytes(first)));
        java.nio.file.Files.writeString(first, "tampered");
        assertEquals(first, NativeLibraryCache.file("com/sun/jna/linux-x86-64/libtest.so", lib));
        assertTrue(java.util.Arrays.equals(lib, java.nio.file.Files.readAllBytes(first)), "tampering is repaired");
    }
}

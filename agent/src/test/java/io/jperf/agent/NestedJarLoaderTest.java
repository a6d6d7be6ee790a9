package io.jperf.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URL;
import java.nio.file.Files;
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

    /** A class that needs another one only when called: the second is loaded then. */
    public static final class Caller implements java.util.function.Supplier<String> {
        @Override
        public String get() {
            return new Callee().toString();
        }
    }

    public static final class Callee {
    }

    private static byte[] jar(boolean stored) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            for (Class<?> c : new Class<?>[] {Probe.class, Caller.class, Callee.class}) {
                add(jar, c.getName().replace('.', '/') + ".class", classBytes(c), stored);
            }
            add(jar, "data/hello.txt", "hello nested".getBytes(), stored);
        }
        return bytes.toByteArray();
    }

    private static byte[] classBytes(Class<?> c) throws Exception {
        try (InputStream in = c.getClassLoader().getResourceAsStream(c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
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

    /** The jar written to a file, opened as jperf's bootstrap opens jperf.jar. */
    private static JarRegion region(Path dir, String name, byte[] bytes) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        RandomAccessFile in = new RandomAccessFile(file.toFile(), "r");
        return new JarRegion(in, 0, in.length());
    }

    @Test
    void loadsClassesAndResourcesInIsolation(@TempDir Path dir) throws Exception {
        for (boolean stored : new boolean[] {false, true}) {
            URL outer = Path.of("jperf.jar").toUri().toURL();
            NestedJarLoader loader = new NestedJarLoader(region(dir, "core-" + stored + ".jar", jar(stored)), outer);
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

    /** jperf.jar's layout: the core jar stored in the outer one is read in place; compressed, it is refused. */
    @Test
    void aStoredNestedJarIsReadInPlace(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream outer = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(outer)) {
            add(jar, "io/jperf/agent/Bootstrap.class", new byte[] {1, 2, 3}, false);
            add(jar, "META-INF/jperf/core.jar", jar(false), true);
            add(jar, "META-INF/jperf/packed.jar", jar(false), false);
        }
        JarRegion jperf = region(dir, "jperf.jar", outer.toByteArray());
        JarRegion core = jperf.nested("META-INF/jperf/core.jar");
        assertEquals("hello nested", new String(core.read("data/hello.txt")));
        NestedJarLoader loader = new NestedJarLoader(core, null);
        assertNotSame(Probe.class, loader.loadClass(Probe.class.getName()));
        IOException packed = assertThrows(IOException.class, () -> jperf.nested("META-INF/jperf/packed.jar"));
        assertTrue(packed.getMessage().contains("must be stored"), packed.getMessage());
        assertThrows(IOException.class, () -> jperf.nested("META-INF/jperf/none.jar"));
    }

    /** A jar rewritten in place under a running loader: its entries no longer match their checksums. */
    @Test
    void aJarChangedOnDiskIsAnErrorNotADamagedClass(@TempDir Path dir) throws Exception {
        byte[] bytes = jar(true);
        JarRegion jar = region(dir, "core.jar", bytes);
        byte[] hello = "hello nested".getBytes();
        for (int i = 0; i + hello.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + hello.length, hello, 0, hello.length)) {
                bytes[i] = 'j';
            }
        }
        Files.write(dir.resolve("core.jar"), bytes);
        IOException e = assertThrows(IOException.class, () -> jar.read("data/hello.txt"));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    /** A class loaded after the jar changed: jperf's one line says why, not only which class. */
    @Test
    void aClassLoadedAfterTheJarChangedIsReportedWithTheReason(@TempDir Path dir) throws Exception {
        byte[] bytes = jar(true);
        NestedJarLoader loader = new NestedJarLoader(region(dir, "core.jar", bytes), null);
        @SuppressWarnings("unchecked")
        java.util.function.Supplier<String> caller = (java.util.function.Supplier<String>) loader
                .loadClass(Caller.class.getName()).getDeclaredConstructor().newInstance();
        byte[] callee = classBytes(Callee.class);
        for (int i = 0; i + callee.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + callee.length, callee, 0, callee.length)) {
                bytes[i + callee.length / 2] ^= 1;
            }
        }
        Files.write(dir.resolve("core.jar"), bytes);
        NoClassDefFoundError e = assertThrows(NoClassDefFoundError.class, caller::get);
        String line = Agent.message(e);
        assertTrue(line.startsWith("cannot load " + Callee.class.getName()), line);
        assertTrue(line.contains("does not match its checksum (was the jar replaced?)"), line);
    }

    @Test
    void rejectsSomethingThatIsNotAJar(@TempDir Path dir) {
        assertThrows(IOException.class, () -> region(dir, "zeros.jar", new byte[100]));
        assertThrows(IOException.class, () -> region(dir, "empty.jar", new byte[0]));
    }

    @Test
    void nativeLibrariesComeAsVerifiedFilesThatStay(@TempDir Path home) throws Exception {
        String realHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            cacheRoundTrip(home, home.resolve("jar"));
        } finally {
            System.setProperty("user.home", realHome);
        }
    }

    private static void cacheRoundTrip(Path home, Path dir) throws Exception {
        byte[] lib = "not really an ELF file".getBytes();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes)) {
            add(out, "com/sun/jna/linux-x86-64/libtest.so", lib, false);
        }
        Files.createDirectories(dir);
        JarRegion jar = region(dir, "lib.jar", bytes.toByteArray());
        Path first = NativeLibraryCache.file("com/sun/jna/linux-x86-64/libtest.so", jar);
        Path again = NativeLibraryCache.file("com/sun/jna/linux-x86-64/libtest.so", jar);
        assertEquals(first, again, "one shared copy per content");
        assertEquals("libtest.so", first.getFileName().toString());
        assertTrue(first.startsWith(home.resolve(".cache/jperf/native")), first.toString());
        assertTrue(java.util.Arrays.equals(lib, Files.readAllBytes(first)));
        Files.writeString(first, "tampered");
        assertEquals(first, NativeLibraryCache.file("com/sun/jna/linux-x86-64/libtest.so", jar));
        assertTrue(java.util.Arrays.equals(lib, Files.readAllBytes(first)), "tampering is repaired");
    }
}

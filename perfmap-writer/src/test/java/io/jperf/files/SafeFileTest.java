package io.jperf.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeFileTest {
    @TempDir
    Path dir;

    @Test
    void replaceWritesWholeWorldReadableFilesAndLeavesNoTemporaries() throws IOException {
        Path target = dir.resolve("perf-1.map");
        SafeFile.replace(target, out -> out.write("one\n".getBytes()));
        SafeFile.replace(target, out -> out.write("two\n".getBytes()));
        assertEquals("two\n", Files.readString(target));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void aFailingWriterLeavesTheOldFile() throws IOException {
        Path target = dir.resolve("perf-2.map");
        SafeFile.replace(target, out -> out.write("old".getBytes()));
        assertThrows(IOException.class, () -> SafeFile.replace(target, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(target));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void linksAndDirectoriesAreRefused() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Path link = Files.createSymbolicLink(dir.resolve("perf-3.map"), victim);
        SafeFile.RefusedException e = assertThrows(SafeFile.RefusedException.class,
                () -> SafeFile.replace(link, out -> out.write("x".getBytes())));
        assertTrue(e.getMessage().contains("symbolic link") && e.getMessage().contains("rm " + link), e.getMessage());
        assertThrows(SafeFile.RefusedException.class, () -> SafeFile.createForAppend(link));
        assertEquals("precious", Files.readString(victim));
        Path directory = Files.createDirectory(dir.resolve("perf-4.map"));
        assertThrows(SafeFile.RefusedException.class, () -> SafeFile.replace(directory, out -> { }));
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws Exception {
        Path target = Files.writeString(dir.resolve("perf-5.map"), "theirs");
        try {
            Files.setAttribute(target, "unix:uid", 65534);
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "needs root to give a file away: " + e);
        }
        SafeFile.RefusedException e = assertThrows(SafeFile.RefusedException.class,
                () -> SafeFile.replace(target, out -> out.write("ours".getBytes())));
        assertTrue(e.getMessage().contains("belongs to uid 65534"), e.getMessage());
        assertEquals("theirs", Files.readString(target));
    }

    @Test
    void appendChannelWritesTheNamedFile() throws IOException {
        Path target = Files.writeString(dir.resolve("jit-1.dump"), "stale from an earlier JVM");
        try (FileChannel c = SafeFile.createForAppend(target)) {
            c.write(java.nio.ByteBuffer.wrap("fresh".getBytes()));
        }
        assertEquals("fresh", Files.readString(target));
    }
}

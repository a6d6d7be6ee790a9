package io.jperf.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

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
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // shared, as /tmp
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

    /** In a directory only its owner writes to, a link to a file is the user's own: refused, without "rm". */
    @Test
    void aLinkToAFileInAPrivateDirectoryNamesTheWayOut() throws IOException {
        Path mine = Files.createDirectory(dir.resolve("mine"));
        Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwx------"));
        Path real = Files.writeString(dir.resolve("real.txt"), "kept");
        Path link = Files.createSymbolicLink(mine.resolve("latest.txt"), real);
        SafeFile.RefusedException e = assertThrows(SafeFile.RefusedException.class, () -> SafeFile.checkWritable(link));
        assertTrue(e.getMessage().endsWith("Name the file it leads to instead") && !e.getMessage().contains("rm "),
                e.getMessage());
        assertEquals("kept", Files.readString(real));
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // shared, as /tmp
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

    /** The reason in words, checked before anything is written, and nothing left behind. */
    @Test
    void checkWritableSaysWhyAFileCannotBeWritten() throws IOException {
        IOException missing = assertThrows(IOException.class,
                () -> SafeFile.checkWritable(dir.resolve("no/such/dir/out.data")));
        assertEquals("no directory " + dir.resolve("no/such/dir"), missing.getMessage());
        IOException proc = assertThrows(IOException.class, () -> SafeFile.checkWritable(Path.of("/proc/out.data")));
        assertEquals("/proc takes no new files", proc.getMessage());
        Path link = Files.createSymbolicLink(dir.resolve("link.data"), dir.resolve("elsewhere"));
        assertThrows(SafeFile.RefusedException.class, () -> SafeFile.checkWritable(link));
        Path fine = dir.resolve("out.data");
        SafeFile.checkWritable(fine);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(link), files.collect(Collectors.toList()), "only the link: no temporary, no target");
        }
    }

    /**
     * /dev/null is what the user named: written in place, as a pipe of the user's own is (through its reader). The
     * same pipe where others may write, or in another user's directory, is refused: someone else may have put it there.
     */
    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a pipe opened with no reader blocks
    void devicesAndPipesAreWrittenInPlaceOnlyWhereNoOneElseCouldPutThem() throws Exception {
        SafeFile.checkWritable(Path.of("/dev/null"));
        SafeFile.replace(Path.of("/dev/null"), out -> out.write("nothing".getBytes()));

        Path mine = Files.createDirectory(dir.resolve("mine"));
        Path pipe = fifo(mine.resolve("out.data"));
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(pipe);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        SafeFile.checkWritable(pipe);
        SafeFile.replace(pipe, out -> out.write("through the pipe".getBytes()));
        assertEquals("through the pipe", read.get(10, TimeUnit.SECONDS));

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // shared, as /tmp
        Path planted = fifo(dir.resolve("planted.data"));
        SafeFile.RefusedException e = assertThrows(SafeFile.RefusedException.class,
                () -> SafeFile.replace(planted, out -> out.write("x".getBytes())));
        assertTrue(e.getMessage().contains("is not a regular file") && e.getMessage().contains("rm " + planted),
                e.getMessage());
        try {
            Files.setAttribute(mine, "unix:uid", 65534); // a directory of another user's, private to them
        } catch (IOException notRoot) {
            return;
        }
        assertThrows(SafeFile.RefusedException.class, () -> SafeFile.checkWritable(pipe));
        Path directory = Files.createDirectory(dir.resolve("out.data"));
        assertEquals(directory + " is a directory; name a file in it",
                assertThrows(SafeFile.RefusedException.class, () -> SafeFile.checkWritable(directory)).getMessage());
    }

    private static Path fifo(Path path) throws Exception {
        assertEquals(0, new ProcessBuilder("mkfifo", path.toString()).start().waitFor());
        return path;
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

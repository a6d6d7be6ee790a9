package io.jperf.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files in shared directories such as /tmp without trusting what is there: content goes to a fresh file
 * created exclusively (O_EXCL, so never through a planted link) and is then renamed over the target, which replaces
 * a directory entry and never follows a link. A target that is a link, not a regular file, or owned by someone else
 * is refused with a {@link RefusedException} instead of being replaced.
 */
public final class SafeFile {
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private SafeFile() {
    }

    /** Writes content into a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The target exists and is not ours to replace. */
    public static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }

    /** Atomically replaces {@code target} with new content: readers see the old file or the new one, never a mix. */
    public static void replace(Path target, Content content) throws IOException {
        Path temp = createTempBeside(target);
        try {
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            moveOver(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Creates {@code target} afresh (replacing a stale file of ours) and returns a channel for appending to it.
     * The channel writes to the file now named {@code target}.
     */
    public static FileChannel createForAppend(Path target) throws IOException {
        Path temp = createTempBeside(target);
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            moveOver(temp, target);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(temp);
            throw e;
        }
        return channel;
    }

    private static Path createTempBeside(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        checkReplaceable(target);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        Files.setPosixFilePermissions(temp, WORLD_READABLE);
        return temp;
    }

    private static void moveOver(Path temp, Path target) throws IOException {
        checkOwner(target, temp);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename into " + target + ": " + e.getMessage(), e);
        }
    }

    private static void checkReplaceable(Path target) throws IOException {
        if (Files.isSymbolicLink(target)) {
            throw new RefusedException(target + " is a symbolic link (to " + Files.readSymbolicLink(target)
                    + "); jperf does not write through links. Remove it: rm " + target);
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedException(target + " exists and is not a regular file. Remove it: rm -r " + target);
        }
    }

    /** The file we just created tells our uid; a target owned by another uid is left alone. */
    private static void checkOwner(Path target, Path ours) throws IOException {
        checkReplaceable(target);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object owner = Files.getAttribute(target, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object me = Files.getAttribute(ours, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (!owner.equals(me)) {
            throw new RefusedException(target + " belongs to uid " + owner + ", not to this JVM's uid " + me
                    + ". Remove it: sudo rm " + target);
        }
    }
}

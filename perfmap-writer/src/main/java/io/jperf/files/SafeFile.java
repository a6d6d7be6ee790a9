package io.jperf.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files in shared directories such as /tmp without trusting what is there: content goes to a fresh file
 * created exclusively (O_EXCL, so never through a planted link) and is then renamed over the target, which replaces
 * a directory entry and never follows a link. A target that is a link, not a regular file, or owned by someone else
 * is refused with a {@link RefusedException} instead of being replaced. One exception: a device or pipe, or a link
 * to one, in a directory only its owner writes to (/dev/null, /dev/stdout) is what the user named to write into, and
 * no one else could have put it there, so it is written in place.
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

    /**
     * Atomically replaces {@code target} with new content: readers see the old file or the new one, never a mix. A
     * device or pipe the user named (see above) is written in place.
     */
    public static void replace(Path target, Content content) throws IOException {
        if (writtenInPlace(target)) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            return;
        }
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
     * Fails now, as {@link #replace} would, where {@code target} cannot be written: its directory takes no new file
     * of ours, or the target is a link, not a regular file, or another user's. Leaves nothing behind. A result
     * written at exit is checked at the start, not after the run it holds.
     */
    public static void checkWritable(Path target) throws IOException {
        if (writtenInPlace(target)) {
            if (!Files.isWritable(target)) {
                throw new IOException("no permission to write " + target);
            }
            return;
        }
        Path temp = createTempBeside(target);
        try {
            checkOwner(target, temp);
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
        Path temp;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (FileSystemException e) {
            throw new IOException(cannotCreateIn(dir, e), e);
        }
        Files.setPosixFilePermissions(temp, WORLD_READABLE);
        return temp;
    }

    /** Why no file can be made in {@code dir}, in words: the JDK's exceptions name only the file they tried. */
    private static String cannotCreateIn(Path dir, FileSystemException e) {
        if (e.getReason() != null) {
            return dir + ": " + e.getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "no permission to create files in " + dir;
        }
        if (e instanceof NoSuchFileException) {
            return Files.isDirectory(dir) ? dir + " takes no new files" : "no directory " + dir;
        }
        return e.getMessage();
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
            // Where others may write, the link may be planted; elsewhere it is the user's, and so is the file.
            throw new RefusedException(target + " is a symbolic link (to " + Files.readSymbolicLink(target)
                    + "); jperf does not write through links to files. " + (inSharedDirectory(target)
                    ? "Remove it: rm " + target : "Name the file it leads to instead"));
        }
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedException(target + " is a directory; name a file in it");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new RefusedException(target + " is not a regular file (a pipe, socket or device in a directory others"
                    + " may write to); jperf does not write into it. Remove it: rm " + target);
        }
    }

    /**
     * Whether the target is a device or pipe, links followed (/dev/stdout), in a directory that only its owner may
     * write to: one the user named, not one planted in a shared directory such as /tmp or /dev/shm.
     */
    private static boolean writtenInPlace(Path target) {
        try {
            return !inSharedDirectory(target)
                    && Files.readAttributes(target, BasicFileAttributes.class).isOther(); // through links
        } catch (IOException e) {
            return false; // no such file yet, or a dangling link: replaced, or refused
        }
    }

    /** Whether others than the owner of the target's directory may write there, as everyone may in /tmp. */
    private static boolean inSharedDirectory(Path target) {
        try {
            Set<PosixFilePermission> modes = Files.getPosixFilePermissions(target.toAbsolutePath().getParent());
            return modes.contains(PosixFilePermission.GROUP_WRITE) || modes.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return true; // unknown: as careful as in /tmp
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

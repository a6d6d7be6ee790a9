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
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files in shared directories such as /tmp without trusting what is there: content goes to a fresh file
 * created exclusively (O_EXCL, so never through a planted link), written and made readable without following links,
 * and is then renamed over the target, which replaces a directory entry and never follows a link. A target that is a
 * link or not a regular file, or in a shared directory another user's file, is refused with a
 * {@link RefusedException} instead of being replaced.
 *
 * <p>One exception: a character device or pipe, or a link to one, in a directory that only root or this process's
 * user may write to (/dev/null, /dev/stdout) is what the user named to write into, and no one else could have put it
 * there, so it is written in place.
 */
public final class SafeFile {
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;

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

    /** The target's directory takes no new file of ours; the message says why, in words. */
    public static final class DirectoryException extends IOException {
        private static final long serialVersionUID = 1L;

        DirectoryException(String message, Throwable cause) {
            super(message, cause);
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
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                content.writeTo(out);
            }
            moveOver(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Fails now, as {@link #replace} would, where {@code target} cannot be written: its directory takes no new file
     * of ours, or the target is refused. Leaves nothing behind. A result written at exit is checked at the start, not
     * after the run it holds.
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
            checkTarget(target, temp);
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
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS);
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
        checkReplaceable(target);
        Path dir = target.toAbsolutePath().getParent();
        Path temp;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (FileSystemException e) {
            throw new DirectoryException(cannotCreateIn(dir, e), e);
        }
        // Where others may write, the name could be swapped for a link: the mode is set on the file itself.
        Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(WORLD_READABLE);
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
        checkTarget(target, temp);
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
            throw new RefusedException(target + " is not a regular file" + (inSharedDirectory(target)
                    ? " (a pipe, socket or device where others may write); jperf does not write into it. Remove it: rm "
                            + target
                    : ", nor a device or pipe jperf writes into (those are written only where root or their user"
                            + " alone may write); name another file"));
        }
    }

    /**
     * Whether the target is a character device or pipe, links followed (/dev/stdout), in a directory that only root
     * or this process's user may write to: one the user named, not one someone else put there (in /tmp or
     * /dev/shm, or a directory of theirs), and no one else can swap it between this check and the write.
     */
    private static boolean writtenInPlace(Path target) {
        try {
            Path dir = target.toAbsolutePath().getParent();
            if (inSharedDirectory(target)) {
                return false;
            }
            Object owner = Files.getAttribute(dir, "unix:uid");
            if (!owner.equals(0) && !owner.equals(PrivateDirectory.uid())) {
                return false;
            }
            int type = (Integer) Files.getAttribute(target, "unix:mode") & S_IFMT; // through links
            return type == S_IFCHR || type == S_IFIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false; // no such file yet, or a dangling link: replaced, or refused
        }
    }

    /** Whether others than the owner of the target's directory may write there, as everyone may in /tmp. */
    private static boolean inSharedDirectory(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null) {
            return true; // the root itself, refused as a directory: no advice to follow links there
        }
        try {
            Set<PosixFilePermission> modes = Files.getPosixFilePermissions(dir);
            return modes.contains(PosixFilePermission.GROUP_WRITE) || modes.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return true; // unknown: as careful as in /tmp
        }
    }

    /**
     * Just before the rename, as the target may have changed: still replaceable, and, where others may write, not
     * another user's (the file we just made tells our uid). Elsewhere the directory's owner named it.
     */
    private static void checkTarget(Path target, Path ours) throws IOException {
        checkReplaceable(target);
        if (!inSharedDirectory(target) || !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object owner = Files.getAttribute(target, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Object me = Files.getAttribute(ours, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (!owner.equals(me)) {
            throw new RefusedException(target + " belongs to uid " + owner + ", not to this process's uid " + me
                    + ". Remove it: sudo rm " + target);
        }
    }
}

package io.jperf.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A directory in a shared place (/tmp) that belongs to this user alone: created 0700 if absent, and used only if it
 * is a real directory (not a link) owned by this uid with no access for others. Also loaded by the bootstrap, so it
 * depends on nothing but the JDK.
 */
public final class PrivateDirectory {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private PrivateDirectory() {
    }

    /** This process's uid (the owner of /proc/self). */
    public static Object uid() throws IOException {
        return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** {@code java.io.tmpdir/jperf-UID}, made private or refused. */
    public static Path inTmp() throws IOException {
        Object uid = uid();
        return ensure(Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "jperf-" + uid), uid);
    }

    /** {@code dir} made if absent, checked either way. */
    public static Path ensure(Path dir, Object uid) throws IOException {
        if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
            } catch (FileAlreadyExistsException raced) {
                // Checked below like any existing one.
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory (or is a link); remove it: rm " + dir);
        }
        Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (!uid.equals(owner)) {
            throw new IOException(dir + " belongs to uid " + owner + ", not " + uid + "; remove it: sudo rm -r " + dir);
        }
        if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(PRIVATE)) {
            throw new IOException(dir + " is open to other users; make it private: chmod 700 " + dir);
        }
        return dir;
    }
}

package io.jperf.agent;

import io.jperf.files.PrivateDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Native libraries of the nested jar (JNA's libjnidispatch) as files in a private cache directory, named by their
 * CRC-32 and size. Loaded from there they stay on disk, so perf can read their symbols (an unpacked-and-deleted library
 * makes {@code perf report --sort srcline} fail), and every JVM of the user shares one copy instead of unpacking its
 * own. Directories are the user's own: ~/.cache/jperf, else a {@link PrivateDirectory} in /tmp, so the checksum guards
 * against damage, not against someone else: a CRC, which the JVM computes with one native call, where a SHA-256 of the
 * library (twice) ran long enough for C2 to compile the JDK's SHA code at every start.
 */
final class NativeLibraryCache {
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    private NativeLibraryCache() {
    }

    /**
     * The jar's library as a verified file, or null when no private directory is usable (the caller then serves
     * bytes). The jar lists the library's checksum: it is unpacked only when the cache lacks it.
     */
    static Path file(String resourceName, JarRegion jar) {
        String hash = jar.checksum(resourceName);
        String fileName = resourceName.substring(resourceName.lastIndexOf('/') + 1);
        String home = System.getProperty("user.home");
        Path file = home == null ? null : store(Path.of(home, ".cache", "jperf", "native"), hash, fileName, jar,
                resourceName);
        if (file == null) {
            Path tmp = privateTmp();
            file = tmp == null ? null : store(tmp.resolve("native"), hash, fileName, jar, resourceName);
        }
        return file;
    }

    private static Path store(Path root, String hash, String fileName, JarRegion jar, String resourceName) {
        try {
            Path dir = root.resolve(hash);
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
            Path file = dir.resolve(fileName);
            if (!sameContent(file, hash)) {
                Path temp = Files.createTempFile(dir, fileName, ".tmp");
                Files.write(temp, jar.read(resourceName));
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return sameContent(file, hash) ? file : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** java.io.tmpdir/jperf-UID when it is this user's alone, else null. */
    private static Path privateTmp() {
        try {
            return PrivateDirectory.inTmp();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the file has the checksum, read through a small buffer: the library is some 250 KB. */
    private static boolean sameContent(Path file, String hash) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        CRC32 crc = new CRC32();
        long size = 0;
        byte[] buffer = new byte[8192];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buffer)) > 0;) {
                crc.update(buffer, 0, n);
                size += n;
            }
        }
        return hash.equals(JarRegion.checksum(crc.getValue(), size));
    }
}

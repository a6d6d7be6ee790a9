package io.jperf.linux;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

import java.io.File;
import java.util.StringJoiner;

/**
 * The one way jperf opens native libraries through JNA. JNA's NativeLibrary, when first used, runs
 * {@code /sbin/ldconfig -p} in a child process to find library directories, unless the property
 * {@code jna.platform.library.path} is set: a process spawned inside someone's production JVM, and 30 ms of start-up.
 * jperf sets the property to JNA's own default directories for that moment only and then removes it again, so an
 * application's own JNA later computes its paths exactly as it would without jperf.
 */
public final class NativeLibraries {
    private static final String PLATFORM_PATH = "jna.platform.library.path";
    private static NativeLibrary libc;

    private NativeLibraries() {
    }

    /** The C library. */
    public static synchronized NativeLibrary libc() {
        if (libc == null) {
            boolean set = System.getProperty(PLATFORM_PATH) == null;
            if (set) {
                System.setProperty(PLATFORM_PATH, defaultDirectories());
            }
            try {
                libc = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
            } finally {
                if (set) {
                    System.clearProperty(PLATFORM_PATH);
                }
            }
        }
        return libc;
    }

    /** The directories JNA searches on Linux, less those only ldconfig knows; dlopen still finds those. */
    private static String defaultDirectories() {
        String arch = Platform.is64Bit() ? "64" : "";
        String multiArch = (Platform.isIntel() ? (Platform.is64Bit() ? "x86_64" : "i386") : Platform.ARCH)
                + "-linux-gnu";
        StringJoiner path = new StringJoiner(File.pathSeparator);
        for (String dir : new String[] {"/usr/lib/" + multiArch, "/lib/" + multiArch, "/usr/lib" + arch,
                "/lib" + arch, "/usr/lib", "/lib"}) {
            if (new File(dir).isDirectory()) {
                path.add(dir);
            }
        }
        return path.toString();
    }
}

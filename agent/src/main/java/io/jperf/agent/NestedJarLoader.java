package io.jperf.agent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;

/**
 * Loads classes and resources from the jar nested in jperf.jar, read from the file as they are asked for (see
 * {@link JarRegion}). Parent: the platform loader, so nothing on the application's class path (another JNA, say) is
 * seen.
 */
final class NestedJarLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final JarRegion jar;
    private final ProtectionDomain domain;
    private final URLStreamHandler handler = new URLStreamHandler() {
        @Override
        protected URLConnection openConnection(URL u) throws IOException {
            byte[] data = jar.read(u.getPath().substring(1));
            if (data == null) {
                throw new IOException("no " + u);
            }
            return new URLConnection(u) {
                @Override
                public void connect() {
                }

                @Override
                public InputStream getInputStream() {
                    return new ByteArrayInputStream(data);
                }
            };
        }
    };

    NestedJarLoader(JarRegion jar, URL outer) {
        super("jperf", ClassLoader.getPlatformClassLoader());
        this.jar = jar;
        this.domain = new ProtectionDomain(new CodeSource(outer, (Certificate[]) null), null, this, null);
        for (String entry : jar.names()) {
            definePackageOf(entry);
        }
    }

    /** Every package is defined up front, so that getDefinedPackages() names all of jperf's, loaded or not. */
    private void definePackageOf(String entry) {
        int slash = entry.lastIndexOf('/');
        if (entry.endsWith(".class") && slash > 0 && !entry.startsWith("META-INF/")) {
            String pkg = entry.substring(0, slash).replace('/', '.');
            if (getDefinedPackage(pkg) == null) {
                definePackage(pkg, null, null, null, null, null, null, null);
            }
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes;
        try {
            bytes = jar.read(name.replace('.', '/') + ".class");
        } catch (IOException e) {
            // The reason goes into the message: callers that print one line print only that.
            throw new ClassNotFoundException(name + ": " + e.getMessage(), e);
        }
        if (bytes == null) {
            throw new ClassNotFoundException(name);
        }
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    /**
     * Native libraries come as files from {@link NativeLibraryCache} when possible: JNA loads a file URL in place,
     * where it would otherwise unpack the library to a temporary file and delete it once loaded.
     */
    @Override
    protected URL findResource(String name) {
        if (!jar.contains(name)) {
            return null;
        }
        try {
            if (name.endsWith(".so")) {
                Path file = NativeLibraryCache.file(name, jar);
                if (file != null) {
                    return file.toUri().toURL();
                }
            }
            return new URL("jperf-core", "", -1, "/" + name, handler);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.emptyEnumeration() : Collections.enumeration(java.util.List.of(url));
    }
}

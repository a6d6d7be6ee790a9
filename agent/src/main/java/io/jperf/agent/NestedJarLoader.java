package io.jperf.agent;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Loads classes and resources from a jar held in memory, still compressed: its central directory is indexed once and
 * each entry is inflated when asked for, so the cost is the compressed size. Parent: the platform loader, so nothing
 * on the application's class path (another JNA, say) is seen.
 */
final class NestedJarLoader extends ClassLoader {
    private static final int EOCD = 0x06054b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;

    static {
        registerAsParallelCapable();
    }

    private final ByteBuffer zip;
    private final Map<String, int[]> entries = new HashMap<>();
    private final ProtectionDomain domain;
    private final URLStreamHandler handler = new URLStreamHandler() {
        @Override
        protected URLConnection openConnection(URL u) throws IOException {
            byte[] data = read(u.getPath().substring(1));
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

    NestedJarLoader(byte[] jar, URL outer) throws IOException {
        super("jperf", ClassLoader.getPlatformClassLoader());
        this.zip = ByteBuffer.wrap(jar).order(ByteOrder.LITTLE_ENDIAN);
        this.domain = new ProtectionDomain(new CodeSource(outer, (Certificate[]) null), null, this, null);
        index();
    }

    /** name → {offset of local header, compressed size, uncompressed size, method}. */
    private void index() throws IOException {
        int eocd = -1;
        for (int i = zip.limit() - 22; i >= Math.max(0, zip.limit() - 22 - 65535); i--) {
            if (zip.getInt(i) == EOCD) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new IOException("nested jar has no central directory");
        }
        int count = Short.toUnsignedInt(zip.getShort(eocd + 10));
        int at = zip.getInt(eocd + 16);
        for (int n = 0; n < count; n++) {
            if (zip.getInt(at) != CENTRAL) {
                throw new IOException("nested jar: bad central directory entry " + n);
            }
            int method = Short.toUnsignedInt(zip.getShort(at + 10));
            int compressed = zip.getInt(at + 20);
            int size = zip.getInt(at + 24);
            int nameLength = Short.toUnsignedInt(zip.getShort(at + 28));
            int extra = Short.toUnsignedInt(zip.getShort(at + 30));
            int comment = Short.toUnsignedInt(zip.getShort(at + 32));
            int local = zip.getInt(at + 42);
            byte[] name = new byte[nameLength];
            zip.get(at + 46, name);
            String entry = new String(name, java.nio.charset.StandardCharsets.UTF_8);
            entries.put(entry, new int[] {local, compressed, size, method});
            definePackageOf(entry);
            at += 46 + nameLength + extra + comment;
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

    private byte[] read(String name) throws IOException {
        int[] e = entries.get(name);
        if (e == null) {
            return null;
        }
        if (zip.getInt(e[0]) != LOCAL) {
            throw new IOException("nested jar: bad local header for " + name);
        }
        int data = e[0] + 30 + Short.toUnsignedInt(zip.getShort(e[0] + 26))
                + Short.toUnsignedInt(zip.getShort(e[0] + 28));
        byte[] out = new byte[e[2]];
        if (e[3] == 0) {
            zip.get(data, out);
            return out;
        }
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(zip.array(), data, e[1]);
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int k = inflater.inflate(out, n, out.length - n);
                if (k == 0 && inflater.needsInput()) {
                    break;
                }
                n += k;
            }
            if (n != out.length) {
                throw new IOException("nested jar: truncated entry " + name);
            }
            return out;
        } catch (DataFormatException ex) {
            throw new IOException("nested jar: corrupt entry " + name, ex);
        } finally {
            inflater.end();
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes;
        try {
            bytes = read(name.replace('.', '/') + ".class");
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
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
        if (!entries.containsKey(name)) {
            return null;
        }
        try {
            if (name.endsWith(".so")) {
                Path file = NativeLibraryCache.file(name, read(name));
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

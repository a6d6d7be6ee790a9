package io.jperf.agent;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A jar lying somewhere in a file (the whole file, or a stored entry of another jar): its central directory is indexed
 * once and each entry is read with positioned reads and inflated when asked for, so nothing of the jar stays in memory
 * but its index. Each entry read is checked against its CRC-32: a jar rewritten in place while the JVM runs gives an
 * error, not a damaged class.
 */
final class JarRegion {
    private static final int EOCD = 0x06054b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int EOCD_SIZE = 22;
    private static final int MAX_COMMENT = 65535;
    /** The largest compressed entry whose buffer is kept for the next. */
    private static final int MAX_KEPT = 1 << 16;

    /** Where an entry's local header lies in the region, its sizes, compression method and CRC-32. */
    private record Entry(long local, int compressed, int size, int method, int crc) {
    }

    private final RandomAccessFile file;
    private final long start;
    private final Map<String, Entry> entries = new HashMap<>();
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** Compressed bytes pass through here, up to MAX_KEPT: each class's would otherwise be garbage beside it. */
    private byte[] packed = new byte[0];

    /** Indexes the jar of {@code length} bytes at {@code start} of {@code file}; the file stays open, shared. */
    JarRegion(RandomAccessFile file, long start, long length) throws IOException {
        this.file = file;
        this.start = start;
        int tailLength = (int) Math.min(length, EOCD_SIZE + MAX_COMMENT);
        ByteBuffer tail = read(length - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - EOCD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == EOCD) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new IOException("not a jar: no central directory");
        }
        int count = Short.toUnsignedInt(tail.getShort(eocd + 10));
        long size = Integer.toUnsignedLong(tail.getInt(eocd + 12));
        long offset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
        if (offset + size > length || size > Integer.MAX_VALUE) {
            throw new IOException("damaged jar: its central directory lies outside it");
        }
        ByteBuffer directory = read(offset, (int) size);
        int at = 0;
        for (int n = 0; n < count; n++) {
            if (at + 46 > directory.limit() || directory.getInt(at) != CENTRAL) {
                throw new IOException("damaged jar: bad central directory entry " + n);
            }
            int nameLength = Short.toUnsignedInt(directory.getShort(at + 28));
            byte[] name = new byte[nameLength];
            directory.get(at + 46, name);
            entries.put(new String(name, StandardCharsets.UTF_8),
                    new Entry(Integer.toUnsignedLong(directory.getInt(at + 42)), directory.getInt(at + 20),
                            directory.getInt(at + 24), Short.toUnsignedInt(directory.getShort(at + 10)),
                            directory.getInt(at + 16)));
            at += 46 + nameLength + Short.toUnsignedInt(directory.getShort(at + 30))
                    + Short.toUnsignedInt(directory.getShort(at + 32));
        }
    }

    Set<String> names() {
        return entries.keySet();
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The entry's CRC-32 and size as the jar lists them, spelt as {@link #checksum(long, long)}; null if none. */
    String checksum(String name) {
        Entry e = entries.get(name);
        return e == null ? null : checksum(Integer.toUnsignedLong(e.crc), Integer.toUnsignedLong(e.size));
    }

    /** A CRC-32 and a size as one name: "crc-size", in hexadecimal and decimal. */
    static String checksum(long crc, long size) {
        return Long.toHexString(crc) + "-" + size;
    }

    /** The entry's bytes, or null when the jar has no such entry. */
    synchronized byte[] read(String name) throws IOException {
        Entry e = entries.get(name);
        if (e == null) {
            return null;
        }
        if (e.compressed < 0 || e.size < 0) {
            throw new IOException("jar entry " + name + " is too big");
        }
        long data = data(e, name);
        byte[] out;
        if (e.method == 0) {
            out = new byte[e.compressed];
            readFully(data, out, e.compressed);
        } else {
            byte[] in = e.compressed <= MAX_KEPT ? packed : new byte[e.compressed];
            if (in.length < e.compressed) {
                in = packed = new byte[Math.min(MAX_KEPT, Math.max(e.compressed, 2 * packed.length))];
            }
            readFully(data, in, e.compressed);
            out = new byte[e.size];
            inflater.reset();
            inflater.setInput(in, 0, e.compressed);
            try {
                int n = 0;
                while (n < out.length && !inflater.finished()) {
                    int k = inflater.inflate(out, n, out.length - n);
                    if (k == 0 && inflater.needsInput()) {
                        break;
                    }
                    n += k;
                }
                if (n != out.length) {
                    throw new IOException("jar entry " + name + " is truncated");
                }
            } catch (DataFormatException ex) {
                throw new IOException("jar entry " + name + " is corrupt", ex);
            }
        }
        crc.reset();
        crc.update(out);
        if ((int) crc.getValue() != e.crc) {
            throw new IOException("jar entry " + name + " does not match its checksum (was the jar replaced?)");
        }
        return out;
    }

    /** A stored (uncompressed) entry that is itself a jar. */
    JarRegion nested(String name) throws IOException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IOException("no " + name);
        }
        if (e.method != 0) {
            throw new IOException(name + " is compressed, it must be stored");
        }
        return new JarRegion(file, start + data(e, name), Integer.toUnsignedLong(e.size));
    }

    /** Where the entry's data begins, past its local header (whose name and extra lengths may differ). */
    private long data(Entry e, String name) throws IOException {
        ByteBuffer local = read(e.local, 30);
        if (local.getInt(0) != LOCAL) {
            throw new IOException("damaged jar: bad local header for " + name);
        }
        return e.local + 30 + Short.toUnsignedInt(local.getShort(26)) + Short.toUnsignedInt(local.getShort(28));
    }

    private ByteBuffer read(long offset, int length) throws IOException {
        byte[] bytes = new byte[length];
        readFully(offset, bytes, length);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void readFully(long offset, byte[] into, int length) throws IOException {
        synchronized (file) {
            file.seek(start + offset);
            file.readFully(into, 0, length);
        }
    }
}

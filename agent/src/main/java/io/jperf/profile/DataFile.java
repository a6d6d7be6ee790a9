package io.jperf.profile;

import io.jperf.perfmap.NameStyle;
import io.jperf.stack.FrameKind;
import io.jperf.stack.FrameTable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * {@code jperf.data}: a profile on disk, for {@code jperf report|script|flamegraph -i FILE}.
 *
 * <pre>
 * header   "JPERFDAT", u16 version (1), u16 flags (0)                     little-endian
 * chunks   u8 tag, u32 length, payload                                    unknown tags are skipped
 *   1 INFO     varint n, n × (string key, string value)
 *   2 FRAMES   varint n, n × (u8 kind, string name)                       kind: FrameKind ordinal
 *   3 TREE     varint n, n × (varint parent, varint frame, varint self samples, varint self weight)
 *                                                                          nodes 1..n in order; 0 is the root
 *   4 SAMPLES  varint n, n × (varint time delta ns, varint tid, varint node, varint weight)
 *   0 END      u32 CRC-32 of every byte before this chunk
 * string   varint length, UTF-8 bytes; varint: unsigned LEB128
 * </pre>
 * Frame names are stored as made at recording time (naming options then apply).
 */
public final class DataFile {
    static final byte[] MAGIC = "JPERFDAT".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final int END = 0;
    private static final int INFO = 1;
    private static final int FRAMES = 2;
    private static final int TREE = 3;
    private static final int SAMPLES = 4;

    private DataFile() {
    }

    /** A file that is not a jperf data file, or is damaged; the message says which and where. */
    public static final class CorruptException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptException(String message) {
            super(message);
        }
    }

    public static void write(Profile profile, NameStyle style, OutputStream out) throws IOException {
        Encoder e = new Encoder();
        e.bytes.write(MAGIC);
        e.u16(VERSION);
        e.u16(0);
        Encoder info = new Encoder();
        info.varint(profile.info().size());
        for (Map.Entry<String, String> kv : profile.info().entrySet()) {
            info.string(kv.getKey());
            info.string(kv.getValue());
        }
        e.chunk(INFO, info);
        Encoder frames = new Encoder();
        frames.varint(profile.frames().size());
        for (int f = 0; f < profile.frames().size(); f++) {
            frames.bytes.write(profile.frames().kind(f).ordinal());
            frames.string(profile.frames().name(f, style));
        }
        e.chunk(FRAMES, frames);
        CallTree tree = profile.tree();
        Encoder nodes = new Encoder();
        nodes.varint(tree.size() - 1);
        for (int n = 1; n < tree.size(); n++) {
            nodes.varint(tree.parent(n));
            nodes.varint(tree.frame(n));
            nodes.varint(tree.selfSamples(n));
            nodes.varint(tree.selfWeight(n));
        }
        e.chunk(TREE, nodes);
        SampleLog log = profile.samples();
        if (log != null) {
            Encoder samples = new Encoder();
            samples.varint(log.size());
            long last = log.size() > 0 ? log.time(0) : 0;
            samples.varint(last);
            for (int i = 0; i < log.size(); i++) {
                samples.varint(Math.max(0, log.time(i) - last));
                last = Math.max(last, log.time(i));
                samples.varint(log.tid(i));
                samples.varint(log.node(i));
                samples.varint(log.weight(i));
            }
            e.chunk(SAMPLES, samples);
        }
        CRC32 crc = new CRC32();
        byte[] body = e.bytes.toByteArray();
        crc.update(body);
        out.write(body);
        ByteBuffer end = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
        end.put((byte) END).putInt(4).putInt((int) crc.getValue());
        out.write(end.array());
    }

    public static Profile read(byte[] data) throws CorruptException {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 12 || !ByteBuffer.wrap(data, 0, 8).equals(ByteBuffer.wrap(MAGIC))) {
            throw new CorruptException("not a jperf data file (no JPERFDAT header)");
        }
        int version = Short.toUnsignedInt(b.getShort(8));
        if (version != VERSION) {
            throw new CorruptException("jperf data file version " + version + " is not supported (this jperf reads "
                    + VERSION + ")");
        }
        b.position(12);
        Map<String, String> info = new LinkedHashMap<>();
        FrameTable.View frames = null;
        CallTree tree = null;
        SampleLog samples = null;
        boolean ended = false;
        try {
            while (b.hasRemaining()) {
                int chunkStart = b.position();
                int tag = b.get() & 0xff;
                int length = b.getInt();
                if (length < 0 || length > b.remaining()) {
                    throw new CorruptException("truncated: chunk " + tag + " at byte " + chunkStart + " needs "
                            + length + " bytes, " + b.remaining() + " left");
                }
                ByteBuffer payload = b.slice(b.position(), length).order(ByteOrder.LITTLE_ENDIAN);
                b.position(b.position() + length);
                switch (tag) {
                    case END: {
                        CRC32 crc = new CRC32();
                        crc.update(data, 0, chunkStart);
                        if (payload.getInt(0) != (int) crc.getValue()) {
                            throw new CorruptException("checksum mismatch: the file is corrupt");
                        }
                        ended = true;
                        break;
                    }
                    case INFO: {
                        long n = varint(payload);
                        for (long i = 0; i < n; i++) {
                            info.put(string(payload), string(payload));
                        }
                        break;
                    }
                    case FRAMES: {
                        int n = count(payload);
                        FrameKind[] kinds = new FrameKind[n];
                        String[] names = new String[n];
                        FrameKind[] all = FrameKind.values();
                        for (int i = 0; i < n; i++) {
                            int k = payload.get() & 0xff;
                            kinds[i] = k < all.length ? all[k] : FrameKind.UNKNOWN;
                            names[i] = string(payload);
                        }
                        frames = FrameTable.View.ofNames(kinds, names);
                        break;
                    }
                    case TREE: {
                        int n = count(payload);
                        tree = new CallTree();
                        for (int node = 1; node <= n; node++) {
                            int parent = (int) varint(payload);
                            int frame = (int) varint(payload);
                            if (parent >= node || frames == null || frame >= frames.size()) {
                                throw new CorruptException("corrupt call tree at node " + node);
                            }
                            int made = tree.child(parent, frame);
                            if (made != node) {
                                throw new CorruptException("corrupt call tree: node " + node + " repeats node " + made);
                            }
                            tree.add(made, varint(payload), varint(payload));
                        }
                        break;
                    }
                    case SAMPLES: {
                        int n = count(payload);
                        samples = new SampleLog(Math.max(1, n));
                        long time = varint(payload);
                        for (int i = 0; i < n; i++) {
                            time += varint(payload);
                            int tid = (int) varint(payload);
                            int node = (int) varint(payload);
                            long weight = varint(payload);
                            if (tree == null || node >= tree.size()) {
                                throw new CorruptException("sample " + i + " names a stack that does not exist");
                            }
                            samples.add(time, tid, node, weight);
                        }
                        break;
                    }
                    default:
                        break; // a later version's chunk
                }
            }
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new CorruptException("truncated or corrupt at byte " + b.position());
        }
        if (!ended) {
            throw new CorruptException("truncated: the file ends before its END chunk (" + data.length + " bytes)");
        }
        if (frames == null || tree == null) {
            throw new CorruptException("no frames or call tree in the file");
        }
        return new Profile(frames, tree, samples, info);
    }

    private static int count(ByteBuffer b) throws CorruptException {
        long n = varint(b);
        if (n < 0 || n > b.remaining()) {
            throw new CorruptException("corrupt count " + n);
        }
        return (int) n;
    }

    private static long varint(ByteBuffer b) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int x = b.get() & 0xff;
            value |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    private static String string(ByteBuffer b) throws CorruptException {
        int n = count(b);
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static final class Encoder {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void u16(int v) {
            bytes.write(v & 0xff);
            bytes.write((v >>> 8) & 0xff);
        }

        void varint(long v) {
            while ((v & ~0x7fL) != 0) {
                bytes.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            bytes.write((int) v);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varint(b.length);
            bytes.writeBytes(b);
        }

        void chunk(int tag, Encoder payload) {
            byte[] p = payload.bytes.toByteArray();
            bytes.write(tag);
            ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(p.length);
            bytes.writeBytes(len.array());
            bytes.writeBytes(p);
        }
    }
}

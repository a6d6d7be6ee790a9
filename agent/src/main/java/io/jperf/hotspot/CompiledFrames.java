package io.jperf.hotspot;

import io.jperf.collect.LongIntMap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Frame sizes of JIT-compiled methods, for unwinding compiled Java frames that keep no frame pointer (the JVM's
 * default): HotSpot's CodeBlob header, which precedes the code JVMTI reports, holds the frame size in words. The header
 * is found by looking back from the code for the blob whose code begins there (JDK 17 stores the code's address,
 * later JDKs its offset from the blob), all read through {@link SafeMemory}. Used by one thread; sizes are cached by
 * code address.
 */
public final class CompiledFrames {
    /** How far before its code a blob's header may start: the header, relocations and constants. */
    private static final int MAX_LOOK_BACK = 16 * 1024;
    private static final int MAX_FRAME_WORDS = 1 << 16;
    private static final int MAX_CACHED = 200_000;

    private final SafeMemory memory;
    private final long frameSizeAt;
    private final long sizeAt;
    private final long nameAt;
    /** Where the blob keeps its code: an address (JDK 17) or an int offset from the blob (JDK 23 and later). */
    private final long codeBeginAt;
    private final long codeOffsetAt;
    private LongIntMap sizes = new LongIntMap();

    private CompiledFrames(VMStructs vm, SafeMemory memory) throws IOException {
        this.memory = memory;
        frameSizeAt = vm.offset("CodeBlob", "_frame_size");
        sizeAt = vm.offset("CodeBlob", "_size");
        nameAt = vm.offset("CodeBlob", "_name");
        codeBeginAt = vm.offset("CodeBlob", "_code_begin");
        codeOffsetAt = vm.offset("CodeBlob", "_code_offset");
        if (frameSizeAt < 0 || sizeAt < 0 || nameAt < 0 || codeBeginAt < 0 && codeOffsetAt < 0) {
            throw new IOException("this JVM's VMStructs lack CodeBlob::_frame_size, _size, _name or the code's place");
        }
    }

    /** Reads the layout from this JVM; the exception says what is missing. */
    public static CompiledFrames open() throws IOException {
        try {
            return new CompiledFrames(VMStructs.read(), SafeMemory.shared());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new IOException("cannot read HotSpot's VMStructs: " + e.getMessage(), e);
        }
    }

    /** The frame size in bytes of the compiled code that begins at {@code codeBegin}, or −1 when not found. */
    public int frameBytes(long codeBegin) {
        if (codeBegin == 0) {
            return -1;
        }
        int bytes = sizes.get(codeBegin, Integer.MIN_VALUE);
        if (bytes == Integer.MIN_VALUE) {
            bytes = find(codeBegin);
            if (sizes.size() >= MAX_CACHED) {
                sizes = new LongIntMap();
            }
            sizes.put(codeBegin, bytes);
        }
        return bytes;
    }

    private int find(long codeBegin) {
        if ((codeBegin & 7) != 0) {
            return -1;
        }
        for (int back = 4096; back <= MAX_LOOK_BACK; back *= 2) {
            byte[] bytes = memory.readBytes(codeBegin - back, back);
            if (bytes == null) {
                continue; // maybe below the code heap: a shorter look back may still find it
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
            for (int at = back - 8; at >= 0; at -= 8) {
                long blob = codeBegin - back + at;
                if (codesAt(b, at, blob, codeBegin) && Math.max(frameSizeAt, sizeAt) + 4 <= back - at
                        && isNmethod(b, at)) {
                    int words = b.getInt(at + (int) frameSizeAt);
                    return words >= 2 && words < MAX_FRAME_WORDS ? words * 8 : -1;
                }
            }
        }
        return -1;
    }

    /**
     * Whether the blob is named as nmethods are ("nmethod", "native nmethod"): other words inside a real header (the
     * entry point is the code's address too) can look like a header's code field.
     */
    private boolean isNmethod(ByteBuffer b, int at) {
        if (at + nameAt + 8 > b.limit()) {
            return false;
        }
        byte[] name = memory.readBytes(b.getLong(at + (int) nameAt), NMETHOD.length + 7);
        if (name == null) {
            return false;
        }
        String s = new String(name, java.nio.charset.StandardCharsets.ISO_8859_1);
        int end = s.indexOf(0);
        return end > 0 && s.substring(0, end).endsWith("nmethod");
    }

    private static final byte[] NMETHOD = "nmethod".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    /**
     * Whether the blob header at {@code at} in {@code b} says its code begins at {@code codeBegin}, and its size
     * reaches past it (other pointers to the code inside the real header, such as the entry point, must not pass).
     */
    private boolean codesAt(ByteBuffer b, int at, long blob, long codeBegin) {
        if (at + sizeAt + 4 > b.limit() || b.getInt(at + (int) sizeAt) <= codeBegin - blob) {
            return false;
        }
        if (codeBeginAt >= 0) {
            return at + codeBeginAt + 8 <= b.limit() && b.getLong(at + (int) codeBeginAt) == codeBegin;
        }
        return at + codeOffsetAt + 4 <= b.limit() && blob + b.getInt(at + (int) codeOffsetAt) == codeBegin;
    }
}

package io.jperf.hotspot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads this process's memory through {@code /proc/self/mem}: a stale pointer (a thread that just ended, a freed
 * structure) gives an error instead of crashing the JVM.
 */
public final class SafeMemory implements AutoCloseable {
    private final FileChannel mem;
    /** Direct, as are other frequent readers' buffers: the channel reads into it with no copy through a temporary. */
    private final ByteBuffer word = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());

    private static SafeMemory shared;

    public SafeMemory() throws IOException {
        mem = FileChannel.open(Path.of("/proc/self/mem"), StandardOpenOption.READ);
    }

    /**
     * One reader for the readers that live as long as profiles do (method names, frame sizes): a profile per
     * period ({@code loop=}) must not open a descriptor each time. Never closed.
     */
    public static synchronized SafeMemory shared() throws IOException {
        if (shared == null) {
            shared = new SafeMemory();
        }
        return shared;
    }

    /** The 8 bytes at {@code address}, or {@code fallback} when they cannot be read. */
    public synchronized long readLong(long address, long fallback) {
        return read(address, word.clear().limit(8)) ? word.getLong(0) : fallback;
    }

    /** The 4 bytes at {@code address}, or {@code fallback}. */
    public synchronized int readInt(long address, int fallback) {
        return read(address, word.clear().limit(4)) ? word.getInt(0) : fallback;
    }

    /** The 2 bytes at {@code address} (unsigned), or {@code fallback}. */
    public synchronized int readShort(long address, int fallback) {
        return read(address, word.clear().limit(2)) ? Short.toUnsignedInt(word.getShort(0)) : fallback;
    }

    /** {@code length} bytes at {@code address}, or null when they cannot be read. */
    public byte[] readBytes(long address, int length) {
        if (length < 0) {
            return null;
        }
        ByteBuffer bytes = ByteBuffer.allocate(length);
        return read(address, bytes) ? bytes.array() : null;
    }

    /**
     * Fills {@code into} from its position to its limit with the bytes at {@code address}; false when they cannot
     * all be read. Callers that read often keep one buffer: nothing is allocated.
     */
    public synchronized boolean read(long address, ByteBuffer into) {
        if (address <= 0) {
            return false;
        }
        int length = into.remaining();
        try {
            return mem.read(into, address) == length;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        mem.close();
    }
}

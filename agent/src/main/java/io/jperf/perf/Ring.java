package io.jperf.perf;

import com.sun.jna.Pointer;
import io.jperf.linux.Libc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A perf ring buffer mapped into our memory: one metadata page, then 2^n data pages the kernel writes records into.
 * The reader takes records from data_tail to data_head (read with acquire) and gives each record's space back by
 * storing data_tail (release) as soon as its handler returns. Records that wrap around the end are copied into a
 * scratch buffer.
 */
public final class Ring implements AutoCloseable {
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class,
            ByteOrder.nativeOrder());
    private static final int DATA_HEAD = 1024;
    private static final int DATA_TAIL = 1032;
    private static final int DATA_OFFSET = 1040;
    private static final int DATA_SIZE = 1048;

    private final Pointer base;
    private final long length;
    private final ByteBuffer meta;
    private final ByteBuffer data;
    private final int size;
    private final ByteBuffer scratch = ByteBuffer.allocate(65536).order(ByteOrder.nativeOrder());
    private boolean closed;

    /** Receives the records of a ring; the buffer is valid only during the call. */
    public interface RecordHandler {
        /**
         * @param buffer holds the record at {@code at}, header included: type u32, misc u16, size u16
         */
        void record(int type, ByteBuffer buffer, int at, int size);
    }

    /** A ring over {@code length} bytes at {@code base} laid out as the kernel's (tests lay one out by hand). */
    Ring(Pointer base, long length, int pageSize) {
        this.base = base;
        this.length = length;
        this.meta = base.getByteBuffer(0, pageSize).order(ByteOrder.nativeOrder());
        long offset = meta.getLong(DATA_OFFSET);
        long dataSize = meta.getLong(DATA_SIZE);
        if (offset == 0 || dataSize == 0) {
            offset = pageSize;
            dataSize = length - pageSize;
        }
        this.size = (int) dataSize;
        this.data = base.getByteBuffer(offset, dataSize).order(ByteOrder.nativeOrder());
    }

    /** Maps the ring of an event: one page of metadata and {@code dataPages} (a power of two) of data. */
    public static Ring map(PerfEvent event, int dataPages) throws PerfException {
        int page = Libc.getpagesize();
        long length = (long) page * (1 + dataPages);
        return new Ring(event.map(length), length, page);
    }

    /** Bytes mapped. */
    public long length() {
        return length;
    }

    /**
     * Hands every complete record to {@code handler}; returns how many there were. Each record's space goes back to
     * the kernel as soon as it is handled, not at the end of the pass: a slow pass over a full ring (a cold reader,
     * a burst of system calls) would otherwise leave the kernel no room, and lose records, until it ended.
     */
    public int drain(RecordHandler handler) {
        long head = (long) LONGS.getAcquire(meta, DATA_HEAD);
        long tail = meta.getLong(DATA_TAIL);
        int records = 0;
        while (tail < head) {
            // Records are 8-byte aligned, so a header never wraps.
            int at = (int) (tail & (size - 1));
            int recordSize = Short.toUnsignedInt(data.getShort(at + 6));
            if (recordSize < 8 || tail + recordSize > head) {
                break;
            }
            if (at + recordSize <= size) {
                handler.record(data.getInt(at), data, at, recordSize);
            } else {
                // A record that wraps (a 16 KiB stack copy now and then) is joined in the scratch buffer, in two bulk
                // copies: byte by byte took a call per byte.
                ByteBuffer copy = scratch.clear();
                int first = (int) (size - at);
                copy.put(0, data, at, first).put(first, data, 0, recordSize - first);
                handler.record(copy.getInt(0), copy, 0, recordSize);
            }
            tail += recordSize;
            LONGS.setRelease(meta, DATA_TAIL, tail);
            records++;
        }
        return records;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.munmap(base, length);
        }
    }
}

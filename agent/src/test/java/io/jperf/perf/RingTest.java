package io.jperf.perf;

import com.sun.jna.Memory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A ring laid out by hand as the kernel lays one out: records in order, the one that wraps joined whole, and each
 * record's space given back once it is handled.
 */
class RingTest {
    private static final int PAGE = 4096;
    private static final int DATA = 2 * PAGE;

    @Test
    void aRecordThatWrapsAroundTheEndComesWhole() {
        Memory memory = new Memory(PAGE + DATA);
        memory.clear(PAGE + DATA);
        // The reader has taken 16 bytes; the next record fills the rest but 8 bytes, and the one after (24 bytes)
        // wraps: 8 at the end, 16 at the start, where the taken bytes were.
        write(memory, 16, 9, DATA - 8 - 16, (byte) 2);
        write(memory, DATA - 8, 9, 24, (byte) 3);
        memory.setLong(1024, DATA - 8 + 24); // data_head
        memory.setLong(1032, 16); // data_tail
        memory.setLong(1040, PAGE); // data_offset
        memory.setLong(1048, DATA); // data_size
        List<byte[]> seen = new ArrayList<>();
        List<Long> tails = new ArrayList<>();
        int records = new Ring(memory, PAGE + DATA, PAGE).drain((type, buffer, at, size) -> {
            byte[] bytes = new byte[size];
            buffer.get(at, bytes);
            seen.add(bytes);
            tails.add(memory.getLong(1032));
        });
        assertEquals(2, records);
        assertEquals(DATA - 8 - 16, seen.get(0).length);
        byte[] wrapped = seen.get(1);
        assertEquals(24, wrapped.length);
        byte[] payload = new byte[16];
        System.arraycopy(wrapped, 8, payload, 0, 16);
        byte[] expected = new byte[16];
        Arrays.fill(expected, (byte) 3);
        assertArrayEquals(expected, payload, "the payload, from both ends of the ring");
        assertEquals(List.of(16L, DATA - 8L), tails, "the first record's space is back before the second is handled");
        assertEquals(DATA - 8 + 24, memory.getLong(1032), "all the space is given back");
    }

    /** A record at ring position {@code at}: header (type, misc 0, size), then payload bytes, wrapping at the end. */
    private static void write(Memory memory, long at, int type, int size, byte fill) {
        byte[] record = new byte[size];
        ByteBuffer.wrap(record).order(ByteOrder.nativeOrder()).putInt(0, type)
                .putShort(6, (short) size);
        Arrays.fill(record, 8, size, fill);
        for (int i = 0; i < size; i++) {
            memory.setByte(PAGE + (at + i) % DATA, record[i]);
        }
    }
}

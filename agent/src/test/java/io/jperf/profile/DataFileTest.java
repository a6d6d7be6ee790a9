package io.jperf.profile;

import io.jperf.output.ProfileFixture;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataFileTest {
    private static byte[] bytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataFile.write(ProfileFixture.profile(), ProfileFixture.STYLE, out);
        return out.toByteArray();
    }

    @Test
    void roundTripKeepsTreeSamplesAndInfo() throws Exception {
        Profile original = ProfileFixture.profile();
        Profile read = DataFile.read(bytes());
        assertEquals(original.tree().size(), read.tree().size());
        for (int n = 1; n < original.tree().size(); n++) {
            assertEquals(original.tree().parent(n), read.tree().parent(n));
            assertEquals(original.frames().name(original.tree().frame(n), ProfileFixture.STYLE),
                    read.frames().name(read.tree().frame(n), ProfileFixture.STYLE));
            assertEquals(original.frames().kind(original.tree().frame(n)), read.frames().kind(read.tree().frame(n)));
            assertEquals(original.tree().selfSamples(n), read.tree().selfSamples(n));
            assertEquals(original.tree().selfWeight(n), read.tree().selfWeight(n));
        }
        assertEquals(original.samples().size(), read.samples().size());
        for (int i = 0; i < original.samples().size(); i++) {
            assertEquals(original.samples().time(i), read.samples().time(i));
            assertEquals(original.samples().tid(i), read.samples().tid(i));
            assertEquals(original.samples().node(i), read.samples().node(i));
        }
    }

    @Test
    void everyTruncationIsReportedAsCorrupt() throws Exception {
        byte[] full = bytes();
        for (int length = 0; length < full.length; length++) {
            byte[] cut = Arrays.copyOf(full, length);
            DataFile.CorruptException e = assertThrows(DataFile.CorruptException.class, () -> DataFile.read(cut),
                    "length " + length);
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
    }

    @Test
    void damagedBytesAreCaught() throws Exception {
        byte[] full = bytes();
        Random random = new Random(1);
        for (int i = 0; i < 2000; i++) {
            byte[] damaged = full.clone();
            int at = 12 + random.nextInt(full.length - 12);
            damaged[at] ^= (byte) (1 + random.nextInt(255));
            assertThrows(DataFile.CorruptException.class, () -> DataFile.read(damaged), "byte " + at);
        }
    }

    @Test
    void otherFilesAreNamedForWhatTheyAre() {
        assertEquals("not a jperf data file (no JPERFDAT header)", assertThrows(DataFile.CorruptException.class,
                () -> DataFile.read("hello, world".getBytes())).getMessage());
        byte[] future = Arrays.copyOf(DataFile.MAGIC, 12);
        future[8] = 9;
        assertTrue(assertThrows(DataFile.CorruptException.class, () -> DataFile.read(future)).getMessage()
                .contains("version 9 is not supported"));
    }
}

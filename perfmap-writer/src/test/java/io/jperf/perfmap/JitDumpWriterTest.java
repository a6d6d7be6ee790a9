package io.jperf.perfmap;

import io.jperf.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jitdump file, read back record by record against a golden rendering (times and pid masked). */
class JitDumpWriterTest {
    @TempDir
    Path dir;

    @Test
    void recordsAsPerfInjectReadsThem() throws Exception {
        List<String> problems = new ArrayList<>();
        JitDumpWriter w = JitDumpWriter.open(dir, NameStyle.DEFAULT, problems::add);
        byte[] loopBytes = new byte[Fixtures.LOOP_CODE.size];
        for (int i = 0; i < loopBytes.length; i++) {
            loopBytes[i] = (byte) i;
        }
        w.loaded(Fixtures.INTERPRETER, 100, true, new byte[Fixtures.INTERPRETER.size]);
        w.loaded(Fixtures.LOOP_CODE, 200, false, loopBytes);
        w.loaded(Fixtures.FORMAT_CODE, 300, false, new byte[Fixtures.FORMAT_CODE.size]);
        w.tick(null, 0);
        w.close(null);
        assertEquals(List.of(), problems);
        Path file = dir.resolve("jit-" + ProcessHandle.current().pid() + ".dump");
        assertEquals(file, w.file());
        Golden.assertMatches("jitdump.txt", render(Files.readAllBytes(file)));
    }

    @Test
    void codeThatPredatesTheDumpIsStampedWithTheJvmStart() throws Exception {
        JitDumpWriter w = JitDumpWriter.open(dir, NameStyle.DEFAULT, m -> { });
        long before = System.nanoTime();
        w.loaded(Fixtures.FORMAT_CODE, before, true, new byte[Fixtures.FORMAT_CODE.size]);
        w.close(null);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(w.file())).order(ByteOrder.nativeOrder());
        long stamp = b.getLong(40 + 8);
        assertTrue(stamp < before - 1_000_000, "stamped " + (before - stamp) + " ns before the load");
    }

    /** One line per record: header fields but the time, then the record's content. */
    static String render(byte[] dump) {
        ByteBuffer b = ByteBuffer.wrap(dump).order(ByteOrder.nativeOrder());
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("header magic=%08x version=%d size=%d mach=%d flags=%d%n", b.getInt(0), b.getInt(4),
                b.getInt(8), b.getInt(12), b.getLong(32)));
        int at = b.getInt(8);
        while (at < dump.length) {
            int id = b.getInt(at);
            int size = b.getInt(at + 4);
            int body = at + 16;
            switch (id) {
                case 0: {
                    long vma = b.getLong(body + 8);
                    long codeAddr = b.getLong(body + 16);
                    long codeSize = b.getLong(body + 24);
                    long index = b.getLong(body + 32);
                    int nameAt = body + 40;
                    String name = cString(dump, nameAt);
                    int codeAt = nameAt + name.getBytes(StandardCharsets.UTF_8).length + 1;
                    String head = HexFormat.of().formatHex(dump, codeAt, codeAt + (int) Math.min(8, codeSize));
                    sb.append(String.format("CODE_LOAD size=%d vma=%x addr=%x code_size=%x index=%d name=%s code=%s..%n",
                            size, vma, codeAddr, codeSize, index, name, head));
                    break;
                }
                case 2: {
                    long addr = b.getLong(body);
                    long n = b.getLong(body + 8);
                    sb.append(String.format("DEBUG_INFO size=%d addr=%x entries=%d%n", size, addr, n));
                    int e = body + 16;
                    for (int i = 0; i < n; i++) {
                        String name = cString(dump, e + 16);
                        sb.append(String.format("  +%x %s:%d discrim=%d%n", b.getLong(e) - addr, name, b.getInt(e + 8),
                                b.getInt(e + 12)));
                        e += 16 + name.getBytes(StandardCharsets.UTF_8).length + 1;
                    }
                    break;
                }
                case 3:
                    sb.append(String.format("CODE_CLOSE size=%d%n", size));
                    break;
                default:
                    sb.append(String.format("record %d size=%d%n", id, size));
            }
            at += size;
        }
        return sb.toString();
    }

    private static String cString(byte[] bytes, int at) {
        int end = at;
        while (bytes[end] != 0) {
            end++;
        }
        return new String(bytes, at, end - at, StandardCharsets.UTF_8);
    }
}

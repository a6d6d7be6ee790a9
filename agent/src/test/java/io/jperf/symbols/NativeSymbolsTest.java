package io.jperf.symbols;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ELF reader and the maps against this very process: libc's own functions must come back by name. */
class NativeSymbolsTest {
    @Test
    void functionsOfLibcAndLibjvmAreNamed() throws Exception {
        NativeSymbols symbols = new NativeSymbols();
        for (String name : List.of("getpid", "memcpy", "write")) {
            long address = Pointer.nativeValue(NativeLibrary.getInstance("c").getFunction(name));
            NativeSymbols.Symbol s = symbols.find(address);
            assertNotNull(s, name);
            assertTrue(s.name().contains(name.replace("memcpy", "mem")), name + " named " + s.name());
            assertTrue(s.library.startsWith("libc"), s.library);
            assertEquals(s, symbols.find(address + 1), "one object per function");
        }
        Function jniGetCreatedJavaVMs = NativeLibrary.getProcess().getFunction("JNI_GetCreatedJavaVMs");
        assertEquals("JNI_GetCreatedJavaVMs", symbols.find(Pointer.nativeValue(jniGetCreatedJavaVMs)).name());
        assertNull(symbols.find(8), "nothing is mapped at address 8");
    }

    @Test
    void theLowestFunctionOfALibraryIsNamedToo() throws Exception {
        ProcessMaps.Mapping libc = ProcessMaps.self().all().stream().filter(m -> m.shortName().startsWith("libc.so"))
                .findFirst().orElseThrow();
        ElfFile elf = ElfFile.open(Path.of(libc.path()));
        ElfFile debug = NativeSymbols.debugFile(Path.of(libc.path()), elf);
        ElfFile.SymbolTable table = debug != null && debug.symbols().size() > elf.symbols().size() ? debug.symbols()
                : elf.symbols();
        long offset = elf.fileOffsetOf(table.start(0));
        assertTrue(offset >= libc.offset(), "libc's first function lies in its executable mapping");
        NativeSymbols.Symbol s = new NativeSymbols().find(libc.start() + offset - libc.offset());
        assertEquals(Demangler.demangle(table.name(0)), s.name());
    }

    @Test
    void elfFilesReportTheirDebugLinks() throws Exception {
        Path libc = Path.of(ProcessMaps.self().all().stream().filter(m -> m.shortName().startsWith("libc.so"))
                .findFirst().orElseThrow().path());
        ElfFile elf = ElfFile.open(libc);
        assertTrue(elf.symbols().size() > 100, "libc has a dynamic symbol table");
        assertNotNull(elf.buildId());
        assertTrue(Files.isRegularFile(libc));
    }

    @Test
    void releasedPagesLeaveTheProcessAndNamesReadBack() throws Exception {
        Path libc = Path.of(ProcessMaps.self().all().stream().filter(m -> m.shortName().startsWith("libc.so"))
                .findFirst().orElseThrow().path());
        ElfFile elf = ElfFile.open(libc);
        ElfFile.SymbolTable table = elf.symbols();
        long at = Pointer.nativeValue(Native.getDirectBufferPointer(elf.bytes()));
        assertEquals(0, residentKib(at), "released once the symbol table is read");
        List<String> names = IntStream.range(0, table.size()).mapToObj(table::name).toList();
        assertTrue(residentKib(at) > 0, "the string table's pages came back");
        elf.release();
        assertEquals(0, residentKib(at));
        assertEquals(names, IntStream.range(0, table.size()).mapToObj(table::name).toList());
    }

    /** The resident size of this process's mapping that starts at {@code address}. */
    private static long residentKib(long address) throws Exception {
        List<String> smaps = Files.readAllLines(Path.of("/proc/self/smaps"));
        String start = Long.toHexString(address) + "-";
        for (int i = 0; i < smaps.size(); i++) {
            if (smaps.get(i).startsWith(start)) {
                for (int j = i + 1; j < smaps.size(); j++) {
                    if (smaps.get(j).startsWith("Rss:")) {
                        return Long.parseLong(smaps.get(j).replaceAll("[^0-9]", ""));
                    }
                }
            }
        }
        throw new AssertionError("no mapping at " + start);
    }

    /** Symbols in no order, and .symtab's and .dynsym's twins at one address: sorted, the larger twin kept. */
    @Test
    void symbolTablesAreSortedInPlaceWithTheLargerTwinKept() {
        java.util.Random random = new java.util.Random(3);
        int n = 5_000;
        // Elf64_Sym records (24 bytes: name, info, other, section, value, size) as a file would hold them.
        java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(24 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        ElfFile.SymbolTable.Builder builder = new ElfFile.SymbolTable.Builder(file, new long[2], n);
        java.util.TreeMap<Long, Long> expected = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            long start = 0x1000 + 16L * random.nextInt(3_000);
            long size = random.nextInt(17); // at most up to the next possible start
            file.putLong(24 * i + 8, start).putLong(24 * i + 16, size);
            builder.add(24 * i, i % 2);
            expected.merge(start, size, Math::max);
        }
        ElfFile.SymbolTable table = builder.build();
        assertEquals(expected.size(), table.size());
        int i = 0;
        for (java.util.Map.Entry<Long, Long> e : expected.entrySet()) {
            assertEquals(e.getKey(), table.start(i), "symbol " + i);
            long size = e.getValue();
            assertEquals(i, table.find(e.getKey() + (size > 0 ? size - 1 : 0)), "inside symbol " + i);
            for (long a = e.getKey(); a < table.foundUntil(i); a++) {
                assertEquals(i, table.find(a), "what find answers up to foundUntil, at " + Long.toHexString(a));
            }
            assertTrue(table.find(table.foundUntil(i)) != i, "and no further");
            i++;
        }
        assertEquals(-1, table.find(0x0fff));
    }

    /** A maps file read through the small buffer, lines across its edges and one longer than it, as parsed whole. */
    @Test
    void mapsFilesAreReadInPieces(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 3_000; i++) {
            text.append(String.format("%x-%x %s %08x fe:00 %d%s%n", 0x7f0000000000L + 0x10000L * i,
                    0x7f0000000000L + 0x10000L * i + 0x8000, i % 3 == 0 ? "r-xp" : "rw-p", i * 0x1000, i,
                    i == 1_500 ? " /" + "x".repeat(40_000) : i % 2 == 0 ? " /usr/lib/lib" + i + ".so" : ""));
        }
        Path file = dir.resolve("maps");
        Files.writeString(file, text);
        ProcessMaps whole = ProcessMaps.parse(text.toString().getBytes(UTF_8));
        assertEquals(1_000, whole.size());
        assertEquals(whole.all(), ProcessMaps.read(file).all());
        assertEquals(40_001, whole.find(0x7f0000000000L + 0x10000L * 1_500).path().length());
    }

    @Test
    void mapsLinesAreParsed() {
        ProcessMaps maps = ProcessMaps.parse(String.join("\n", List.of(
                "7f0000000000-7f0000010000 r-xp 00002000 fe:00 123 /usr/lib/libz.so.1.2.13",
                "7f0000010000-7f0000020000 r--p 00012000 fe:00 123 /usr/lib/libz.so.1.2.13",
                "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0 [vdso]",
                "7f0000030000-7f0000040000 rwxp 00000000 00:00 0",
                "7f0000050000-7f0000060000 r-xp 00001000 fe:00 9                          /tmp/a lib.so (deleted)",
                "7f0000070000-7f0000080000 r-xp 00000000 fe:00 10 /opt/\u00e9t\u00e9/libx.so")).getBytes(UTF_8));
        assertEquals(5, maps.size(), "executable mappings only");
        assertEquals("/opt/\u00e9t\u00e9/libx.so", maps.find(0x7f000007ffffL).path());
        assertEquals(0x7f0000010000L, maps.find(0x7f000000ffffL).end());
        assertEquals("/tmp/a lib.so (deleted)", maps.find(0x7f0000050000L).path());
        ProcessMaps.Mapping m = maps.find(0x7f0000001000L);
        assertEquals("libz.so.1.2.13", m.shortName());
        assertEquals(0x2000, m.offset());
        assertNull(maps.find(0x7f0000011000L));
        assertEquals("[anon]", maps.find(0x7f0000030001L).path());
    }
}

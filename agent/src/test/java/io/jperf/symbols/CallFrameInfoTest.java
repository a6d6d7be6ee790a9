package io.jperf.symbols;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The call frame interpreter against binutils: every row that {@code readelf --debug-dump=frames-interp} prints for
 * libz, libc and libjvm must be the row jperf finds at that address (CFA, return address and frame pointer rules).
 */
class CallFrameInfoTest {
    private static final Pattern FDE = Pattern.compile("^\\S+ \\S+ \\S+ FDE cie=\\S+ pc=([0-9a-f]+)\\.\\.([0-9a-f]+)$");
    private static final String[] X86_REGISTERS = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp"};

    @Test
    void libzMatchesReadelf() throws Exception {
        compare(library("libz.so.1"));
    }

    @Test
    void libcMatchesReadelf() throws Exception {
        compare(library("libc.so.6"));
    }

    @Test
    void libjvmMatchesReadelf() throws Exception {
        compare(Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so"));
    }

    /** Without .eh_frame_hdr (its name changed in a copy), the FDEs are found by scanning .eh_frame: same rows. */
    @Test
    void libzWithoutSearchTableMatchesReadelf() throws Exception {
        Path lib = library("libz.so.1");
        byte[] bytes = Files.readAllBytes(lib);
        byte[] name = ".eh_frame_hdr\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int renamed = 0;
        for (int i = 0; i + name.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + name.length, name, 0, name.length)) {
                bytes[i + name.length - 2] = 'X';
                renamed++;
            }
        }
        assertEquals(1, renamed, "one section name");
        ElfFile copy = ElfFile.of(bytes);
        assertNull(copy.section(".eh_frame_hdr"));
        compare(lib, CallFrameInfo.of(copy));
    }

    @Test
    void addressesOutsideEveryFdeHaveNoRow() throws Exception {
        CallFrameInfo cfi = CallFrameInfo.of(ElfFile.open(library("libz.so.1")));
        assertNotNull(cfi);
        assertNull(cfi.find(0), "below the first function");
        assertNull(cfi.find(Long.MAX_VALUE / 2), "far above the code");
    }

    private static Path library(String name) {
        for (String dir : List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64")) {
            Path p = Path.of(dir, name);
            if (Files.exists(p)) {
                return p;
            }
        }
        assumeTrue(false, name + " not found");
        return null;
    }

    /** Every row of every FDE readelf decodes, looked up at its first address and at its last. */
    private static void compare(Path lib) throws Exception {
        compare(lib, CallFrameInfo.of(ElfFile.open(lib)));
    }

    private static void compare(Path lib, CallFrameInfo cfi) throws Exception {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "x86_64 register names");
        List<String> lines = readelf(lib);
        assertNotNull(cfi, lib + " has no .eh_frame");
        int fdes = 0;
        int rows = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = FDE.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            fdes++;
            long end = Long.parseUnsignedLong(m.group(2), 16);
            if (i + 1 >= lines.size() || !lines.get(i + 1).trim().startsWith("LOC")) {
                continue;
            }
            List<String> columns = List.of(lines.get(i + 1).trim().split("\\s+"));
            List<String[]> table = new ArrayList<>();
            for (int j = i + 2; j < lines.size() && !lines.get(j).isBlank(); j++) {
                // "r1 (rdx)": a register rule, by DWARF number and name
                table.add(lines.get(j).trim().replaceAll("r\\d+ \\((\\w+)\\)", "$1").split("\\s+"));
            }
            for (int r = 0; r < table.size(); r++) {
                String[] row = table.get(r);
                long at = Long.parseUnsignedLong(row[0], 16);
                long next = r + 1 < table.size() ? Long.parseUnsignedLong(table.get(r + 1)[0], 16) : end;
                if (next == at) {
                    continue; // readelf prints a row the next one replaces at once
                }
                String expected = describe(columns, row);
                assertEquals(expected, describe(cfi.find(at)), lib + " at 0x" + Long.toHexString(at));
                assertEquals(expected, describe(cfi.find(next - 1)), lib + " at 0x" + Long.toHexString(next - 1));
                rows++;
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d FDEs, %d rows as readelf decodes them%n", lib, fdes, rows);
        assertTrue(fdes > 50 && rows > fdes, lib + ": " + fdes + " FDEs, " + rows + " rows");
    }

    private static List<String> readelf(Path lib) throws IOException, InterruptedException {
        Path out = Files.createTempFile("jperf-readelf-", ".txt");
        try {
            Process p;
            try {
                p = new ProcessBuilder("readelf", "--debug-dump=frames-interp", lib.toString())
                        .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            } catch (IOException e) {
                assumeTrue(false, "no readelf (binutils): " + e.getMessage());
                return null;
            }
            int status = p.waitFor();
            List<String> lines = Files.readAllLines(out);
            assertTrue(status == 0 || status == 1 && lines.size() > 100, "readelf exited with " + status);
            return lines;
        } finally {
            Files.delete(out);
        }
    }

    /** readelf's columns as "CFA rbp ra": rsp+16, exp; c-16 (saved at CFA−16), u (not saved). */
    private static String describe(List<String> columns, String[] row) {
        return row[columns.indexOf("CFA")] + " " + cell(columns, row, "rbp") + " " + cell(columns, row, "ra");
    }

    private static String cell(List<String> columns, String[] row, String name) {
        int i = columns.indexOf(name);
        return i < 0 ? "u" : row[i];
    }

    private static String describe(CallFrameInfo.Row row) {
        if (row == null) {
            return "no row";
        }
        String cfa = row.cfaExpression() ? "exp" : register(row.cfaRegister()) + "+" + row.cfaOffset();
        return cfa + " " + rule(row.fp()) + " " + rule(row.ra());
    }

    private static String register(int r) {
        return r < X86_REGISTERS.length ? X86_REGISTERS[r] : r == 16 ? "rip" : "r" + r;
    }

    private static String rule(CallFrameInfo.Rule r) {
        return switch (r.kind()) {
            case SAME -> "u";
            case UNDEFINED -> "u";
            case OFFSET -> "c" + (r.offset() >= 0 ? "+" : "") + r.offset();
            case VAL_OFFSET -> "v" + (r.offset() >= 0 ? "+" : "") + r.offset();
            case REGISTER -> register((int) r.offset());
            case EXPRESSION -> "exp";
        };
    }
}

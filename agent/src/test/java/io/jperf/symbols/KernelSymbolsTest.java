package io.jperf.symbols;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class KernelSymbolsTest {
    @TempDir
    Path dir;

    @Test
    void textSymbolsByAddress() throws Exception {
        KernelSymbols k = kallsyms(
                "ffffffff81000000 T _stext",
                "ffffffff81000100 t helper",
                "ffffffff81000200 D some_data",
                "ffffffff81000300 T vfs_write",
                "ffffffffc0000000 t ext4_file_write_iter\t[ext4]");
        assertEquals("helper", k.name(k.find(0xffffffff81000150L)));
        assertEquals("helper", k.name(k.find(0xffffffff81000250L)), "data symbols are skipped");
        assertEquals("vfs_write", k.name(k.find(0xffffffff81000300L)));
        assertEquals("ext4_file_write_iter [ext4]", k.name(k.find(0xffffffffc0000010L)));
        assertEquals(-1, k.find(0xffffffff80000000L));
    }

    @Test
    void paddingBelongsToTheFunctionItPrecedes() throws Exception {
        KernelSymbols k = kallsyms(
                "ffffffff81000000 T _stext",
                "ffffffff810000f0 t __pfx_helper",
                "ffffffff81000100 t helper",
                "ffffffff810001f0 T __pfx_vfs_write",
                "ffffffff81000300 T vfs_write",
                "ffffffffc0000000 t __pfx_ext4_file_write_iter\t[ext4]",
                "ffffffffc0000010 t ext4_file_write_iter\t[ext4]");
        assertEquals("helper", k.name(k.find(0xffffffff810000f8L)));
        assertEquals("_stext", k.name(k.find(0xffffffff810000e0L)));
        // Padding far from its function (not seen in practice) is not stretched over: the one before keeps it.
        assertEquals("helper", k.name(k.find(0xffffffff810001f8L)));
        assertEquals("vfs_write", k.name(k.find(0xffffffff81000300L)));
        assertEquals("ext4_file_write_iter [ext4]", k.name(k.find(0xffffffffc0000004L)));
    }

    @Test
    void modulesListedOutOfOrderAndNamesOverManyChunks() throws Exception {
        // 40 000 long names fill several of the name chunks; the module's functions come first, below the kernel's.
        StringBuilder text = new StringBuilder("ffffffffc0000000 t mod_func\t[mod]\n");
        for (int i = 0; i < 40_000; i++) {
            text.append(String.format("ffffffff81%06x T function_with_a_rather_long_name_%d%n", i * 16, i));
        }
        KernelSymbols k = kallsyms(text.toString());
        assertEquals("function_with_a_rather_long_name_0", k.name(k.find(0xffffffff81000008L)));
        assertEquals("function_with_a_rather_long_name_39999", k.name(k.find(0xffffffff81000000L + 39_999 * 16 + 4)));
        assertEquals("function_with_a_rather_long_name_23456", k.name(k.find(0xffffffff81000000L + 23_456 * 16)));
        assertEquals("mod_func [mod]", k.name(k.find(0xffffffffc0000020L)));
    }

    @Test
    void hiddenAddressesMeanNoSymbols() throws Exception {
        assertFalse(kallsyms("0000000000000000 T _stext", "0000000000000000 T vfs_write").available());
    }

    /** Kernel symbols read from a kallsyms file of these lines. */
    private KernelSymbols kallsyms(String... lines) throws Exception {
        return KernelSymbols.read(Files.writeString(dir.resolve("kallsyms"), String.join("\n", lines) + "\n"));
    }
}

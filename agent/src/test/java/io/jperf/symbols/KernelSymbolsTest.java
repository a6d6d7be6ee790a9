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
        Path kallsyms = Files.writeString(dir.resolve("kallsyms"), String.join("\n",
                "ffffffff81000000 T _stext",
                "ffffffff81000100 t helper",
                "ffffffff81000200 D some_data",
                "ffffffff81000300 T vfs_write",
                "ffffffffc0000000 t ext4_file_write_iter\t[ext4]", ""));
        KernelSymbols k = KernelSymbols.read(kallsyms);
        assertEquals("helper", k.name(k.find(0xffffffff81000150L)));
        assertEquals("helper", k.name(k.find(0xffffffff81000250L)), "data symbols are skipped");
        assertEquals("vfs_write", k.name(k.find(0xffffffff81000300L)));
        assertEquals("ext4_file_write_iter [ext4]", k.name(k.find(0xffffffffc0000010L)));
        assertEquals(-1, k.find(0xffffffff80000000L));
    }

    @Test
    void hiddenAddressesMeanNoSymbols() throws Exception {
        Path kallsyms = Files.writeString(dir.resolve("kallsyms"), "0000000000000000 T _stext\n"
                + "0000000000000000 T vfs_write\n");
        assertFalse(KernelSymbols.read(kallsyms).available());
    }
}

package io.jperf.symbols;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.jperf.collect.Sorting;
import io.jperf.linux.Libc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An ELF64 file read through a read-only memory mapping: program headers (to turn file offsets into addresses),
 * function symbols of .symtab and .dynsym, the build-id note and the .gnu_debuglink section. Nothing is copied to
 * the heap but the symbol addresses; names are read from the mapped string tables when first asked for.
 */
public final class ElfFile {
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_NOTE = 7;
    private static final int SHT_DYNSYM = 11;
    private static final int PT_LOAD = 1;
    private static final int STT_FUNC = 2;
    private static final int STT_GNU_IFUNC = 10;
    private static final int NT_GNU_BUILD_ID = 3;
    private static final int STB_LOCAL = 0;

    private final ByteBuffer file;
    private final long[] loadOffsets;
    private final long[] loadVaddrs;
    private final long[] loadSizes;
    private final String buildId;
    private final String debugLink;
    private final SymbolTable symbols;
    /** Symbol sections as {offset, size, string table offset, string table size}, for lookups by name. */
    private final List<long[]> symbolSections = new ArrayList<>();
    private final java.util.Map<String, Section> sections = new java.util.HashMap<>();

    /** A section: where it lies in the file, its size, and its link-time address (0 when not loaded). */
    public record Section(long offset, long size, long address) {
    }

    private ElfFile(ByteBuffer file) throws IOException {
        this.file = file;
        if (file.limit() < 64 || file.get(0) != 0x7f || file.get(1) != 'E' || file.get(2) != 'L' || file.get(3) != 'F') {
            throw new IOException("not an ELF file");
        }
        if (file.get(4) != 2) {
            throw new IOException("not a 64-bit ELF file");
        }
        file.order(file.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        long phoff = file.getLong(32);
        int phentsize = Short.toUnsignedInt(file.getShort(54));
        int phnum = Short.toUnsignedInt(file.getShort(56));
        int loads = 0;
        for (int i = 0; i < phnum; i++) {
            loads += file.getInt((int) (phoff + (long) i * phentsize)) == PT_LOAD ? 1 : 0;
        }
        loadOffsets = new long[loads];
        loadVaddrs = new long[loads];
        loadSizes = new long[loads];
        for (int i = 0, k = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * phentsize);
            if (file.getInt(at) == PT_LOAD) {
                loadOffsets[k] = file.getLong(at + 8);
                loadVaddrs[k] = file.getLong(at + 16);
                loadSizes[k++] = file.getLong(at + 32);
            }
        }

        long shoff = file.getLong(40);
        int shentsize = Short.toUnsignedInt(file.getShort(58));
        int shnum = Short.toUnsignedInt(file.getShort(60));
        int shstrndx = Short.toUnsignedInt(file.getShort(62));
        String id = null;
        String link = null;
        if (shoff > 0 && shoff + (long) shnum * shentsize <= file.limit()) {
            long namesOffset = section(shoff, shentsize, shstrndx, 24);
            for (int i = 0; i < shnum; i++) {
                int at = (int) (shoff + (long) i * shentsize);
                int type = file.getInt(at + 4);
                long offset = file.getLong(at + 24);
                long size = file.getLong(at + 32);
                if (offset + size > file.limit()) {
                    continue;
                }
                String name = cString((int) (namesOffset + Integer.toUnsignedLong(file.getInt(at))));
                sections.putIfAbsent(name, new Section(offset, size, file.getLong(at + 16)));
                if (type == SHT_SYMTAB || type == SHT_DYNSYM) {
                    int link0 = file.getInt(at + 40);
                    long strOffset = section(shoff, shentsize, link0, 24);
                    long strSize = section(shoff, shentsize, link0, 32);
                    symbolSections.add(new long[] {offset, size, strOffset, strSize});
                } else if (type == SHT_NOTE && id == null) {
                    id = buildId(offset, size);
                } else if (name.equals(".gnu_debuglink")) {
                    link = cString((int) offset);
                }
            }
        }
        buildId = id;
        debugLink = link;
        // Functions are counted first (often half of the symbols), so that the table is made at its final size. ELF
        // allows one .symtab and one .dynsym: a record's section is one bit.
        int functions = 0;
        long[] strings = new long[2];
        for (int k = 0; k < Math.min(2, symbolSections.size()); k++) {
            functions += readFunctions(symbolSections.get(k), k, null);
            strings[k] = symbolSections.get(k)[2];
        }
        SymbolTable.Builder table = new SymbolTable.Builder(file, strings, functions);
        for (int k = 0; k < Math.min(2, symbolSections.size()); k++) {
            readFunctions(symbolSections.get(k), k, table);
        }
        symbols = table.build();
    }

    /** Maps and parses a file. */
    public static ElfFile open(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ElfFile elf = new ElfFile(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()));
            elf.release();
            return elf;
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException("corrupt ELF file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lets the mapped file's pages go (they stay in the page cache): after its symbol table is read (libjvm's alone is
     * 1.4 MB), and from time to time after names and unwind rules were read, each of which brought back the 64 KiB the
     * kernel maps around a faulting page. A later read maps its pages again; a file held in memory is left alone.
     */
    public void release() {
        if (!(file instanceof MappedByteBuffer)) {
            return;
        }
        try {
            Pointer at = Native.getDirectBufferPointer(file);
            long pageSize = Libc.getpagesize();
            Libc.madvise(at, (file.capacity() + pageSize - 1) / pageSize * pageSize, Libc.MADV_DONTNEED);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            // The pages stay: more resident memory, nothing wrong.
        }
    }

    /** e_machine: 62 x86_64, 183 aarch64. */
    public int machine() {
        return Short.toUnsignedInt(file.getShort(18));
    }

    /** The section of that name ({@code .eh_frame}), or null. */
    public Section section(String name) {
        return sections.get(name);
    }

    /** The whole file, read-only, in the file's byte order. */
    public ByteBuffer bytes() {
        return file.asReadOnlyBuffer().order(file.order());
    }

    /** Parses an ELF file held in memory (tests, copies). */
    public static ElfFile of(byte[] bytes) throws IOException {
        try {
            return new ElfFile(ByteBuffer.wrap(bytes));
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException("corrupt ELF data: " + e.getMessage(), e);
        }
    }

    private long section(long shoff, int shentsize, int index, int field) {
        return file.getLong((int) (shoff + (long) index * shentsize + field));
    }

    /**
     * The function symbols of a symbol section {offset, size, string table offset, string table size}: counted, and
     * added to {@code table} unless it is null.
     */
    private int readFunctions(long[] section, int index, SymbolTable.Builder table) {
        int functions = 0;
        for (long at = section[0]; at + 24 <= section[0] + section[1]; at += 24) {
            if (isFunction(at, section)) {
                functions++;
                if (table != null) {
                    table.add((int) at, index);
                }
            }
        }
        return functions;
    }

    /** Whether the symbol at {@code at} of the section is a defined function whose name lies in its string table. */
    private boolean isFunction(long at, long[] section) {
        int type = file.get((int) at + 4) & 0xf;
        return (type == STT_FUNC || type == STT_GNU_IFUNC) && Short.toUnsignedInt(file.getShort((int) at + 6)) != 0
                && file.getLong((int) at + 8) != 0 && Integer.toUnsignedLong(file.getInt((int) at)) < section[3];
    }

    private String buildId(long offset, long size) {
        long at = offset;
        while (at + 12 <= offset + size) {
            int namesz = file.getInt((int) at);
            int descsz = file.getInt((int) at + 4);
            int type = file.getInt((int) at + 8);
            long name = at + 12;
            long desc = name + ((namesz + 3) & ~3);
            if (type == NT_GNU_BUILD_ID && namesz == 4 && desc + descsz <= file.limit()) {
                byte[] id = new byte[descsz];
                file.get((int) desc, id);
                return HexFormat.of().formatHex(id);
            }
            at = desc + ((descsz + 3) & ~3);
        }
        return null;
    }

    private String cString(int at) {
        return cString(file, at);
    }

    /** The NUL-terminated UTF-8 string at {@code at}. */
    static String cString(ByteBuffer b, int at) {
        int end = at;
        while (end < b.limit() && b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * The link-time address of a file offset, through the PT_LOAD segment containing it; −1 when none does.
     */
    public long addressOf(long fileOffset) {
        for (int i = 0; i < loadOffsets.length; i++) {
            if (fileOffset >= loadOffsets[i] && fileOffset < loadOffsets[i] + loadSizes[i]) {
                return loadVaddrs[i] + (fileOffset - loadOffsets[i]);
            }
        }
        return -1;
    }

    /** The file offset of a link-time address, through the PT_LOAD segment containing it; −1 when none does. */
    public long fileOffsetOf(long address) {
        for (int i = 0; i < loadVaddrs.length; i++) {
            if (address >= loadVaddrs[i] && address < loadVaddrs[i] + loadSizes[i]) {
                return loadOffsets[i] + (address - loadVaddrs[i]);
            }
        }
        return -1;
    }

    /**
     * The address of the function called {@code name} (raw, mangled name), preferring a global definition to a
     * local one of the same name; −1 when there is none.
     */
    public long functionAddress(String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        long local = -1;
        for (long[] section : symbolSections) {
            for (long at = section[0]; at + 24 <= section[0] + section[1]; at += 24) {
                if (isFunction(at, section)
                        && nameIs((int) (section[2] + Integer.toUnsignedLong(file.getInt((int) at))), wanted)) {
                    long value = file.getLong((int) at + 8);
                    if ((file.get((int) at + 4) & 0xff) >>> 4 != STB_LOCAL) {
                        return value;
                    }
                    local = value;
                }
            }
        }
        return local;
    }

    private boolean nameIs(int at, byte[] wanted) {
        if (at + wanted.length >= file.limit()) {
            return false;
        }
        for (int i = 0; i < wanted.length; i++) {
            if (file.get(at + i) != wanted[i]) {
                return false;
            }
        }
        return file.get(at + wanted.length) == 0;
    }

    public SymbolTable symbols() {
        return symbols;
    }

    /** The GNU build-id in hex, or null. */
    public String buildId() {
        return buildId;
    }

    /** The file named by .gnu_debuglink, or null. */
    public String debugLink() {
        return debugLink;
    }

    /**
     * Function symbols by address. The table holds each function's start (as 4 bytes above the file's lowest
     * function: a shared object's code spans less than 4 GB) and where its symbol record lies; a lookup reads the
     * found symbol's size, and naming reads its name, where the file is mapped. 8 bytes a symbol, where libjvm has
     * 45 000, and the search itself touches none of the file's pages.
     */
    public static final class SymbolTable {
        private static final int SECOND = 1 << 31;
        /** Offsets in an Elf64_Sym record. */
        private static final int VALUE = 8;
        private static final int SIZE = 16;

        private final ByteBuffer file;
        private final long base;
        /** Start addresses above {@link #base}, unsigned, in order. */
        private final int[] starts;
        /** The file offset of each function's Elf64_Sym; {@link #SECOND} marks the second symbol section's. */
        private final int[] records;
        /** The string tables of the first and second symbol sections. */
        private final long[] strings;
        private final int count;

        private SymbolTable(ByteBuffer file, long base, int[] starts, int[] records, long[] strings, int count) {
            this.file = file;
            this.base = base;
            this.starts = starts;
            this.records = records;
            this.strings = strings;
            this.count = count;
        }

        public int size() {
            return count;
        }

        /** The index of the symbol covering {@code address}, or −1. Zero-sized symbols cover up to the next one. */
        public int find(long address) {
            if (address < base || address - base > 0xFFFF_FFFFL) {
                return -1;
            }
            int key = (int) (address - base);
            int i = -1;
            int lo = 0;
            int hi = count - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (Integer.compareUnsigned(starts[mid], key) <= 0) {
                    i = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            if (i < 0) {
                return -1;
            }
            return address < end(i) ? i : -1;
        }

        /** Where the addresses {@link #find} answers with this index end: its end, or the next function's start. */
        public long foundUntil(int index) {
            return index + 1 < count ? Math.min(end(index), start(index + 1)) : end(index);
        }

        /** Where the function ends: by its size, or where the next one starts when it has none. */
        private long end(int index) {
            long size = field(file, records[index], SIZE);
            return size > 0 ? start(index) + size : index + 1 < count ? start(index + 1) : start(index) + 1;
        }

        public long start(int index) {
            return base + Integer.toUnsignedLong(starts[index]);
        }

        /** The raw (mangled) name, made anew each time: callers keep the few they use. */
        public String name(int index) {
            int record = records[index];
            long table = strings[record < 0 ? 1 : 0];
            return cString(file, (int) (table + Integer.toUnsignedLong(file.getInt(record & ~SECOND))));
        }

        /** A 64-bit field of a symbol record: st_value ({@link #VALUE}) or st_size ({@link #SIZE}). */
        private static long field(ByteBuffer file, int record, int field) {
            return file.getLong((record & ~SECOND) + field);
        }

        static final class Builder {
            private final ByteBuffer file;
            private final long[] strings;
            private final int[] records;
            private int n;

            /** A builder for {@code capacity} symbols: the symbol sections are counted before they are read. */
            Builder(ByteBuffer file, long[] strings, int capacity) {
                this.file = file;
                this.strings = strings;
                records = new int[capacity];
            }

            /** The Elf64_Sym at {@code offset} of the file, from the first or second symbol section (0 or 1). */
            void add(int offset, int section) {
                records[n++] = offset | (section == 0 ? 0 : SECOND);
            }

            /**
             * Sorted by address, in place; of symbols at the same address the larger is kept (.symtab and .dynsym
             * overlap). The few duplicates' slots, and any function 4 GB or more above the lowest, are left unused at
             * the end.
             */
            SymbolTable build() {
                long base = Long.MAX_VALUE;
                for (int i = 0; i < n; i++) {
                    base = Math.min(base, field(file, records[i], VALUE));
                }
                int[] starts = new int[n];
                int within = 0;
                for (int i = 0; i < n; i++) {
                    long offset = field(file, records[i], VALUE) - base;
                    if (offset <= 0xFFFF_FFFFL) {
                        records[within] = records[i];
                        starts[within++] = (int) offset;
                    }
                }
                Sorting.sort(within, new Sorting.Rows() {
                    /** By address; at one address the larger first, then (aliases) the record earlier in the file. */
                    @Override
                    public int compare(int i, int j) {
                        int c = Integer.compareUnsigned(starts[i], starts[j]);
                        if (c == 0) {
                            c = Long.compareUnsigned(field(file, records[j], SIZE), field(file, records[i], SIZE));
                        }
                        return c != 0 ? c : Integer.compareUnsigned(records[i], records[j]);
                    }

                    @Override
                    public void swap(int i, int j) {
                        Sorting.swap(records, i, j);
                        Sorting.swap(starts, i, j);
                    }
                });
                int kept = 0;
                for (int i = 0; i < within; i++) {
                    if (i == 0 || starts[i] != starts[kept - 1]) {
                        records[kept] = records[i];
                        starts[kept++] = starts[i];
                    }
                }
                return new SymbolTable(file, n == 0 ? 0 : base, starts, records, strings, kept);
            }
        }
    }
}

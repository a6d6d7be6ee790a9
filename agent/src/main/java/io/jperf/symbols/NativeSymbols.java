package io.jperf.symbols;

import io.jperf.collect.LongMap;
import io.jperf.collect.RangeCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Native code addresses of this process → functions: the mapping from /proc/self/maps, the file's ELF symbols (or
 * those of its debug file, found by build-id or .gnu_debuglink under /usr/lib/debug), C++ names demangled. One
 * {@link Symbol} object per function, so callers can intern frames by identity. Used by one thread.
 */
public final class NativeSymbols {
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RELEASE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Path DEBUG_ROOT = Path.of("/usr/lib/debug");

    private ProcessMaps maps;
    private long lastRefresh;
    private long lastRelease;
    private final Map<String, Library> libraries = new HashMap<>();

    /** A native function, or a whole library when its functions are not known. */
    public static final class Symbol {
        public final String library;
        private final String mangled;
        /** Made when first asked for (a racy single check: at worst two threads demangle to equal strings). */
        private String name;

        Symbol(String library, String mangled) {
            this.library = library;
            this.mangled = mangled;
        }

        /**
         * The demangled name. Demangled on output rather than when the reader first meets the symbol: run per new
         * symbol, the demangler (a large parser) was the biggest method the JIT compiled for jperf while the
         * application ran.
         */
        public String name() {
            String n = name;
            if (n == null) {
                n = Demangler.demangle(mangled);
                name = n;
            }
            return n;
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /** A function of a file: its link-time addresses and index in the file's symbol table. */
    private record Found(long start, long end, int index) implements RangeCache.Range {
    }

    /** The symbols of one mapped file. */
    private static final class Library {
        final ElfFile elf;
        /** The separate debug file whose names {@link #table} reads, or null. */
        final ElfFile debug;
        final ElfFile.SymbolTable table;
        /** The functions named so far, by index + 1 (0 is no key): samples touch few of a library's (libjvm: 45 000). */
        final LongMap<Symbol> symbols = new LongMap<>();
        final Symbol whole;
        private CallFrameInfo cfi;
        private boolean cfiRead;
        /** Functions found so far, by the addresses they cover; null without a symbol table. */
        private final RangeCache<Found> found;
        /** Searches so far (lookups {@link #found} missed): each reads symbol records where mapped, as naming does. */
        private int lookups;
        /** {@link #reads()} when the file's pages were last let go. */
        private int readsReleased;

        Library(String shortName, ElfFile elf, ElfFile debug, ElfFile.SymbolTable table) {
            this.elf = elf;
            this.debug = debug;
            this.table = table;
            this.whole = new Symbol(shortName, "[" + shortName + "]");
            this.found = table == null ? null : RangeCache.sizedFor(table.size());
        }

        /** The file's call frame information, read when first needed; null when it has none. */
        CallFrameInfo cfi() {
            if (!cfiRead) {
                cfiRead = true;
                try {
                    cfi = elf == null ? null : CallFrameInfo.of(elf);
                } catch (RuntimeException e) {
                    cfi = null; // damaged: unwound by frame pointers instead
                }
            }
            return cfi;
        }

        /** Grows with every read of the mapped files: a symbol lookup, the unwind tables, an unwind lookup. */
        int reads() {
            return lookups + (cfiRead ? 1 : 0) + (cfi == null ? 0 : cfi.reads());
        }

        /** The index of the function at a link-time address, or −1. */
        int find(long linkAddress) {
            Found f = found.get(linkAddress);
            if (f != null) {
                return f.index;
            }
            lookups++;
            int index = table.find(linkAddress);
            if (index >= 0) {
                found.put(linkAddress, new Found(table.start(index), table.foundUntil(index), index));
            }
            return index;
        }

        void release() {
            int reads = reads();
            if (reads != readsReleased) {
                readsReleased = reads;
                elf.release();
                if (debug != null) {
                    debug.release();
                }
            }
        }

        Symbol symbol(int index) {
            Symbol s = symbols.get(index + 1L);
            if (s == null) {
                s = new Symbol(whole.library, table.name(index));
                symbols.put(index + 1L, s);
            }
            return s;
        }
    }

    public NativeSymbols() throws IOException {
        maps = ProcessMaps.self();
        lastRefresh = System.nanoTime();
    }

    /**
     * The function at {@code address}, or its library's whole-file symbol when the function is not known, or null
     * when no file is mapped there.
     */
    public Symbol find(long address) {
        ProcessMaps.Mapping m = mapping(address);
        if (m == null || !m.isFile() && !m.path().startsWith("[vdso") && !m.path().startsWith("[vsyscall")) {
            return null; // anonymous executable memory: JIT code jperf does not know (yet)
        }
        Library lib = library(m);
        if (lib.table == null) {
            return lib.whole;
        }
        long linkAddress = lib.elf.addressOf(address - m.start() + m.offset());
        int index = linkAddress < 0 ? -1 : lib.find(linkAddress);
        return index < 0 ? lib.whole : lib.symbol(index);
    }

    /**
     * The unwind rule at {@code address} from its file's call frame information, or null: no file is mapped there
     * (JIT code), or the file has no rule for it.
     */
    public CallFrameInfo.Row unwindRow(long address) {
        ProcessMaps.Mapping m = mapping(address);
        if (m == null || !m.isFile()) {
            return null;
        }
        Library lib = library(m);
        CallFrameInfo cfi = lib.cfi();
        if (cfi == null) {
            return null;
        }
        long linkAddress = lib.elf.addressOf(address - m.start() + m.offset());
        return linkAddress < 0 ? null : cfi.find(linkAddress);
    }

    /** The mapping holding {@code address}; a miss re-reads /proc/self/maps, at most every REFRESH_NANOS. */
    private ProcessMaps.Mapping mapping(long address) {
        ProcessMaps.Mapping m = maps.find(address);
        if (m == null && System.nanoTime() - lastRefresh > REFRESH_NANOS) {
            refresh();
            m = maps.find(address);
        }
        return m;
    }

    /** Reads the symbols of every library mapped now, so that the first samples do not wait for them. */
    public void preload() {
        for (ProcessMaps.Mapping m : maps.all()) {
            if (m.isFile()) {
                library(m);
            }
        }
    }

    /**
     * At most once a second, lets the pages of the mapped files go that names and unwind rules were read from since
     * (each read brings back the 64 KiB around it): the names and rules found are kept, by range, and a profile keeps
     * reading few new ones, so the files would otherwise stay resident a few MiB each (libjvm's 4.4 MiB in a 1 kHz
     * profile of 50 threads) for nothing. Not more often: each release costs a page-table walk and flushes the other
     * CPUs' TLBs (an interrupt to the application's threads), and the next read faults the pages back; at four times a
     * second the releases and the faults after them were a quarter of the reader's CPU at 1 kHz. Files not read since
     * are left alone.
     */
    public void releasePages(long now) {
        if (now - lastRelease < RELEASE_NANOS) {
            return;
        }
        lastRelease = now;
        for (Library lib : libraries.values()) {
            if (lib.elf != null) {
                lib.release();
            }
        }
    }

    private void refresh() {
        lastRefresh = System.nanoTime();
        try {
            maps = ProcessMaps.self();
        } catch (IOException e) {
            // Keep the old view; a later refresh may succeed.
        }
    }

    /** Called for every native frame a sample unwinds or names: allocates nothing once the library is loaded. */
    private Library library(ProcessMaps.Mapping m) {
        Library lib = libraries.get(m.path());
        if (lib == null) {
            lib = load(m);
            libraries.put(m.path(), lib);
        }
        return lib;
    }

    private static Library load(ProcessMaps.Mapping m) {
        String path = m.path();
        if (!m.isFile()) {
            return new Library(path.replace("[", "").replace("]", ""), null, null, null);
        }
        Path file = Path.of(path.endsWith(" (deleted)") ? path.substring(0, path.length() - 10) : path);
        if (!Files.isReadable(file)) {
            // A deleted or unreachable file can still be read through the mapping itself.
            file = Path.of("/proc/self/map_files", Long.toHexString(m.start()) + "-" + Long.toHexString(m.end()));
        }
        try {
            ElfFile elf = ElfFile.open(file);
            ElfFile.SymbolTable table = elf.symbols();
            ElfFile debug = debugFile(Path.of(path), elf);
            if (debug != null && debug.symbols().size() > table.size()) {
                table = debug.symbols();
            } else {
                debug = null;
            }
            return new Library(m.shortName(), elf, debug, table.size() == 0 ? null : table);
        } catch (IOException | RuntimeException e) {
            return new Library(m.shortName(), null, null, null);
        }
    }

    /** The separate debug file of a library, by build-id or by .gnu_debuglink, or null. */
    static ElfFile debugFile(Path library, ElfFile elf) {
        String id = elf.buildId();
        if (id != null && id.length() > 2) {
            ElfFile f = tryOpen(DEBUG_ROOT.resolve(".build-id").resolve(id.substring(0, 2))
                    .resolve(id.substring(2) + ".debug"));
            if (f != null) {
                return f;
            }
        }
        String link = elf.debugLink();
        if (link != null && !link.isEmpty()) {
            Path dir = library.toAbsolutePath().getParent();
            for (Path candidate : new Path[] {DEBUG_ROOT.resolve(dir.toString().substring(1)).resolve(link),
                    dir.resolve(".debug").resolve(link), dir.resolve(link)}) {
                if (!candidate.equals(library)) {
                    ElfFile f = tryOpen(candidate);
                    if (f != null) {
                        return f;
                    }
                }
            }
        }
        return null;
    }

    private static ElfFile tryOpen(Path file) {
        try {
            return Files.isRegularFile(file) ? ElfFile.open(file) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

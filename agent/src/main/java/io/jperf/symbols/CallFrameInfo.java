package io.jperf.symbols;

import io.jperf.collect.RangeCache;
import io.jperf.collect.Sorting;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * DWARF call frame information of an ELF file (.eh_frame, found through the binary search table of .eh_frame_hdr,
 * or by scanning .eh_frame when there is none): for a code address, how to find the caller's frame. Only what an
 * unwinder needs is kept: the CFA rule, and the rules of the return address and the frame pointer register.
 * Register numbers are DWARF's for the file's machine (x86_64: rsp 7, rbp 6, return address 16; aarch64: sp 31,
 * x29 29, x30 30).
 */
public final class CallFrameInfo {
    /** DWARF registers of a machine: stack pointer, frame pointer, return address column. */
    public record Arch(int sp, int fp, int ra) {
        public static final Arch X86_64 = new Arch(7, 6, 16);
        public static final Arch AARCH64 = new Arch(31, 29, 30);
    }

    /** How a register of the caller is found. */
    public enum RuleKind {
        /** Unchanged by this frame (DWARF same_value, or no rule). */
        SAME,
        /** Not recoverable. */
        UNDEFINED,
        /** Saved at CFA + offset. */
        OFFSET,
        /** Its value is CFA + offset. */
        VAL_OFFSET,
        /** Held in another register (offset is its number). */
        REGISTER,
        /** A DWARF expression jperf does not evaluate. */
        EXPRESSION
    }

    /** A rule: its kind and offset (or register). */
    public record Rule(RuleKind kind, long offset) {
        static final Rule SAME = new Rule(RuleKind.SAME, 0);
        static final Rule UNDEFINED = new Rule(RuleKind.UNDEFINED, 0);
        static final Rule EXPRESSION = new Rule(RuleKind.EXPRESSION, 0);
    }

    /**
     * The unwind rules from {@code start} (inclusive) to {@code end}: CFA = register + offset (or an expression), and
     * the rules for the return address and the frame pointer.
     */
    public record Row(long start, long end, int cfaRegister, long cfaOffset, boolean cfaExpression, Rule ra,
            Rule fp) implements RangeCache.Range {
    }

    private static final int DW_EH_PE_OMIT = 0xff;
    private static final int STRIDE = 64;

    private final ByteBuffer b;
    private final Arch arch;
    private final long ehFrameOffset;
    private final long ehFrameEnd;
    private final long ehFrameAddress;
    /**
     * FDEs sorted by first address, as pairs of ints relative to {@link #searchBase}: first address, FDE address. The
     * file's own .eh_frame_hdr table, read where it is mapped (libjvm has 40 000 FDEs), or one made by scanning.
     */
    private final IntBuffer search;
    private final long searchBase;
    /**
     * The first address of every {@link #STRIDE}th FDE, on the heap: a search reads one stretch of the mapped table
     * (a page) instead of probing across all of it (libjvm's is 320 KB, each probe faulting in 64 KB).
     */
    private final IntBuffer every;
    private int reads;
    /** The CIE read last. */
    private Cie lastCie;
    private final RangeCache<Row> rows;

    private CallFrameInfo(ElfFile elf, Arch arch) {
        this.b = elf.bytes();
        this.arch = arch;
        ElfFile.Section frame = elf.section(".eh_frame");
        ehFrameOffset = frame.offset();
        ehFrameEnd = frame.offset() + frame.size();
        ehFrameAddress = frame.address();
        ElfFile.Section hdr = elf.section(".eh_frame_hdr");
        IntBuffer table = hdr != null ? searchTable(hdr) : null;
        search = table != null ? table : scan();
        searchBase = table != null ? hdr.address() : ehFrameAddress;
        int fdes = search.limit() / 2;
        int[] firsts = new int[(fdes + STRIDE - 1) / STRIDE];
        for (int k = 0; k < firsts.length; k++) {
            firsts[k] = search.get(2 * k * STRIDE);
        }
        every = IntBuffer.wrap(firsts);
        rows = RangeCache.sizedFor(fdes);
    }

    /** The call frame information of an ELF file, or null when it has none (or not for a machine jperf knows). */
    public static CallFrameInfo of(ElfFile elf) {
        Arch arch = switch (elf.machine()) {
            case 62 -> Arch.X86_64;
            case 183 -> Arch.AARCH64;
            default -> null;
        };
        ElfFile.Section frame = elf.section(".eh_frame");
        if (arch == null || frame == null || frame.size() == 0) {
            return null;
        }
        return new CallFrameInfo(elf, arch);
    }

    /**
     * The row that applies at link-time address {@code pc}, or null when no FDE covers it (or its FDE is damaged before
     * pc: the program stops at the row asked for, so damage after it goes unseen). The FDE's program runs up to pc
     * when no row found before covers it: a large function has a hundred rows, of which a profile uses a few.
     */
    public Row find(long pc) {
        Row row = rows.get(pc);
        if (row != null) {
            return row;
        }
        int i = fdeAt(pc);
        reads++; // the search read the mapped file: counted for the release of its pages
        if (i < 0) {
            return null;
        }
        try {
            row = rowAt(searchBase + search.get(2 * i + 1) - ehFrameAddress + ehFrameOffset, pc);
        } catch (RuntimeException e) {
            return null; // a damaged FDE: no rule rather than a wrong one
        }
        if (row != null) {
            rows.put(pc, row);
        }
        return row;
    }

    /** The index of the last FDE that starts at or before {@code pc}, or −1. */
    private int fdeAt(long pc) {
        int stretch = lastAtOrBefore(every, 1, 0, every.limit() - 1, pc);
        if (stretch < 0) {
            return -1;
        }
        int first = stretch * STRIDE;
        return lastAtOrBefore(search, 2, first, Math.min(first + STRIDE, search.limit() / 2) - 1, pc);
    }

    /** The last index in lo..hi whose start ({@code searchBase} + the int at index × step) is at or before pc; −1. */
    private int lastAtOrBefore(IntBuffer starts, int step, int lo, int hi, long pc) {
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (searchBase + starts.get(step * mid) <= pc) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** How many lookups read the mapped file so far (the search table and an FDE each): its pages are then resident. */
    public int reads() {
        return reads;
    }

    /** .eh_frame_hdr: version, encodings, the .eh_frame pointer, the count, then (initial location, FDE) pairs. */
    private IntBuffer searchTable(ElfFile.Section hdr) {
        int at = (int) hdr.offset();
        if (b.get(at) != 1) {
            return null;
        }
        int ptrEnc = b.get(at + 1) & 0xff;
        int countEnc = b.get(at + 2) & 0xff;
        int tableEnc = b.get(at + 3) & 0xff;
        if (countEnc == DW_EH_PE_OMIT || tableEnc != 0x3b) {
            return null; // only the datarel sdata4 table every linker writes
        }
        Reader r = new Reader(at + 4, hdr.address() - hdr.offset(), hdr.address());
        r.encoded(ptrEnc);
        long count = r.encoded(countEnc);
        long tableAt = r.at;
        if (count < 0 || tableAt + count * 8 > hdr.offset() + hdr.size()) {
            return null; // a damaged header: scan instead
        }
        return b.duplicate().position((int) tableAt).limit((int) (tableAt + count * 8)).slice().order(b.order())
                .asIntBuffer();
    }

    /** Without a search table: every FDE of .eh_frame, sorted, as the search table would list them. */
    private IntBuffer scan() {
        int[] pairs = new int[128];
        int n = 0;
        long at = ehFrameOffset;
        while (at + 4 <= ehFrameEnd) {
            long length = Integer.toUnsignedLong(b.getInt((int) at));
            if (length == 0) {
                break;
            }
            int idAt = (int) at + 4;
            if (b.getInt(idAt) != 0) {
                Fde f = fde(at);
                if (2 * n == pairs.length) {
                    pairs = Arrays.copyOf(pairs, 4 * n);
                }
                pairs[2 * n] = (int) (f.start - ehFrameAddress);
                pairs[2 * n + 1] = (int) (at - ehFrameOffset);
                n++;
            }
            at += 4 + length;
        }
        int[] table = pairs;
        Sorting.sort(n, new Sorting.Rows() {
            @Override
            public int compare(int i, int j) {
                return Integer.compare(table[2 * i], table[2 * j]);
            }

            @Override
            public void swap(int i, int j) {
                Sorting.swap(table, 2 * i, 2 * j);
                Sorting.swap(table, 2 * i + 1, 2 * j + 1);
            }
        });
        return IntBuffer.wrap(table, 0, 2 * n).slice();
    }

    /** A CIE's fields that its FDEs need. */
    private record Cie(int at, long codeAlign, long dataAlign, int raRegister, int fdeEncoding, boolean augmented,
            int instructions, int end) {
    }

    /** An FDE: its CIE, address range and instructions. */
    private record Fde(Cie cie, long start, long end, int instructions, int instructionsEnd) {
    }

    private Fde fde(long at) {
        long length = Integer.toUnsignedLong(b.getInt((int) at));
        if (length == 0xffffffffL) {
            throw new IllegalStateException("64-bit .eh_frame entries are not supported");
        }
        int idAt = (int) at + 4;
        int end = (int) (idAt + length);
        Cie cie = cie(idAt - b.getInt(idAt));
        Reader r = new Reader(idAt + 4, ehFrameAddress - ehFrameOffset, 0);
        long start = r.encoded(cie.fdeEncoding);
        long range = r.encoded(cie.fdeEncoding & 0x0f);
        if (cie.augmented) {
            long augLength = r.uleb();
            r.at += (int) augLength;
        }
        return new Fde(cie, start, start + range, r.at, end);
    }

    /** Libraries have few CIEs, most FDEs of a stretch of code share one: the last one read is kept. */
    private Cie cie(int at) {
        Cie last = lastCie;
        if (last != null && last.at == at) {
            return last;
        }
        long length = Integer.toUnsignedLong(b.getInt(at));
        int end = (int) (at + 4 + length);
        Reader r = new Reader(at + 8, ehFrameAddress - ehFrameOffset, 0);
        int version = b.get(r.at++);
        int augmentation = r.at;
        while (b.get(r.at) != 0) {
            r.at++;
        }
        int augmentationEnd = r.at++;
        for (int i = augmentation; i + 1 < augmentationEnd; i++) {
            if (b.get(i) == 'e' && b.get(i + 1) == 'h') {
                r.at += 8;
                break;
            }
        }
        long codeAlign = r.uleb();
        long dataAlign = r.sleb();
        int raRegister = version == 1 ? b.get(r.at++) & 0xff : (int) r.uleb();
        int fdeEncoding = 0;
        boolean augmented = augmentationEnd > augmentation && b.get(augmentation) == 'z';
        if (augmented) {
            long augLength = r.uleb();
            int augEnd = r.at + (int) augLength;
            for (int i = augmentation + 1; i < augmentationEnd; i++) {
                switch (b.get(i)) {
                    case 'R' -> fdeEncoding = b.get(r.at++) & 0xff;
                    case 'P' -> r.encoded(b.get(r.at++) & 0xff);
                    case 'L' -> r.at++;
                    default -> {
                        // 'S' (signal frame) and others carry no data here.
                    }
                }
            }
            r.at = augEnd;
        }
        Cie cie = new Cie(at, codeAlign, dataAlign, raRegister, fdeEncoding, augmented, r.at, end);
        lastCie = cie;
        return cie;
    }

    /** The row covering pc of the FDE at {@code fdeOffset}, by its CIE's and its own instructions; or null. */
    private Row rowAt(long fdeOffset, long pc) {
        Fde f = fde(fdeOffset);
        State s = new State();
        execute(f.cie, f.cie.instructions, f.cie.end, s, null, pc);
        State initial = new State();
        initial.copyFrom(s);
        s.location = f.start;
        long end = execute(f.cie, f.instructions, f.instructionsEnd, s, initial, pc);
        if (end < 0 && s.location <= pc && pc < f.end) {
            end = f.end;
        }
        return end < 0 ? null : row(s, end, f);
    }

    /** Registers' rules while the program runs. */
    private final class State {
        int cfaRegister;
        long cfaOffset;
        boolean cfaExpression;
        Rule ra = Rule.SAME;
        Rule fp = Rule.SAME;
        long location;

        void copyFrom(State o) {
            cfaRegister = o.cfaRegister;
            cfaOffset = o.cfaOffset;
            cfaExpression = o.cfaExpression;
            ra = o.ra;
            fp = o.fp;
            location = o.location;
        }

        void set(int register, Rule rule) {
            if (register == arch.ra) {
                ra = rule;
            } else if (register == arch.fp) {
                fp = rule;
            }
        }

        /** Rules of registers other than these two are not kept, nor made. */
        void set(int register, RuleKind kind, long offset) {
            if (register == arch.ra || register == arch.fp) {
                set(register, new Rule(kind, offset));
            }
        }

        Rule get(int register, State from) {
            return register == arch.ra ? from.ra : register == arch.fp ? from.fp : Rule.SAME;
        }
    }

    /**
     * Executes instructions from {@code at} to {@code end}. For an FDE ({@code initial} given), stops at the advance
     * past {@code pc} and returns where that row ends, the rules in {@code s} being those at {@code pc}; else returns
     * -1.
     */
    private long execute(Cie cie, int at, int end, State s, State initial, long pc) {
        Reader r = new Reader(at, ehFrameAddress - ehFrameOffset, 0);
        java.util.ArrayDeque<State> remembered = null;
        while (r.at < end) {
            int op = b.get(r.at++) & 0xff;
            long advance = -1;
            switch (op >> 6) {
                case 1 -> advance = (op & 0x3f) * cie.codeAlign;
                case 2 -> s.set(op & 0x3f, RuleKind.OFFSET, r.uleb() * cie.dataAlign);
                case 3 -> s.set(op & 0x3f, initial == null ? Rule.SAME : s.get(op & 0x3f, initial));
                default -> {
                    switch (op) {
                        case 0x00 -> {
                        }
                        case 0x01 -> advance = r.encoded(cie.fdeEncoding) - s.location;
                        case 0x02 -> advance = (b.get(r.at++) & 0xff) * cie.codeAlign;
                        case 0x03 -> {
                            advance = Short.toUnsignedInt(b.getShort(r.at)) * cie.codeAlign;
                            r.at += 2;
                        }
                        case 0x04 -> {
                            advance = Integer.toUnsignedLong(b.getInt(r.at)) * cie.codeAlign;
                            r.at += 4;
                        }
                        case 0x05 -> {
                            int reg = (int) r.uleb();
                            s.set(reg, RuleKind.OFFSET, r.uleb() * cie.dataAlign);
                        }
                        case 0x06 -> {
                            int reg = (int) r.uleb();
                            s.set(reg, initial == null ? Rule.SAME : s.get(reg, initial));
                        }
                        case 0x07 -> s.set((int) r.uleb(), Rule.UNDEFINED);
                        case 0x08 -> s.set((int) r.uleb(), Rule.SAME);
                        case 0x09 -> {
                            int reg = (int) r.uleb();
                            s.set(reg, RuleKind.REGISTER, r.uleb());
                        }
                        case 0x0a -> {
                            State copy = new State();
                            copy.copyFrom(s);
                            if (remembered == null) {
                                remembered = new java.util.ArrayDeque<>();
                            }
                            remembered.push(copy);
                        }
                        case 0x0b -> {
                            long location = s.location;
                            if (remembered != null && !remembered.isEmpty()) {
                                s.copyFrom(remembered.pop());
                            }
                            s.location = location;
                        }
                        case 0x0c -> {
                            s.cfaRegister = (int) r.uleb();
                            s.cfaOffset = r.uleb();
                            s.cfaExpression = false;
                        }
                        case 0x0d -> {
                            s.cfaRegister = (int) r.uleb();
                            s.cfaExpression = false;
                        }
                        case 0x0e -> s.cfaOffset = r.uleb();
                        case 0x0f -> {
                            long length = r.uleb();
                            r.at += (int) length;
                            s.cfaExpression = true;
                        }
                        case 0x10, 0x16 -> {
                            int reg = (int) r.uleb();
                            long length = r.uleb();
                            r.at += (int) length;
                            s.set(reg, Rule.EXPRESSION);
                        }
                        case 0x11 -> {
                            int reg = (int) r.uleb();
                            s.set(reg, RuleKind.OFFSET, r.sleb() * cie.dataAlign);
                        }
                        case 0x12 -> {
                            s.cfaRegister = (int) r.uleb();
                            s.cfaOffset = r.sleb() * cie.dataAlign;
                            s.cfaExpression = false;
                        }
                        case 0x13 -> s.cfaOffset = r.sleb() * cie.dataAlign;
                        case 0x14 -> {
                            int reg = (int) r.uleb();
                            s.set(reg, RuleKind.VAL_OFFSET, r.uleb() * cie.dataAlign);
                        }
                        case 0x15 -> {
                            int reg = (int) r.uleb();
                            s.set(reg, RuleKind.VAL_OFFSET, r.sleb() * cie.dataAlign);
                        }
                        case 0x2e -> r.uleb(); // GNU_args_size: nothing for unwinding
                        case 0x2f -> {
                            int reg = (int) r.uleb();
                            s.set(reg, RuleKind.OFFSET, -r.uleb() * cie.dataAlign);
                        }
                        default -> throw new IllegalStateException("unknown DW_CFA opcode 0x" + Integer.toHexString(op));
                    }
                }
            }
            if (advance >= 0 && initial != null) {
                long next = s.location + advance;
                if (s.location <= pc && pc < next) {
                    return next;
                }
                s.location = next;
            }
        }
        return -1;
    }

    private static Row row(State s, long end, Fde f) {
        return new Row(s.location, Math.min(end, f.end), s.cfaRegister, s.cfaOffset, s.cfaExpression, s.ra, s.fp);
    }

    /**
     * Reads LEB128 numbers and encoded pointers from a section whose link-time address is its file offset plus
     * {@code delta}.
     */
    private final class Reader {
        int at;
        final long delta;
        final long dataBase;

        Reader(int at, long delta, long dataBase) {
            this.at = at;
            this.delta = delta;
            this.dataBase = dataBase;
        }

        long uleb() {
            return leb128(false);
        }

        long sleb() {
            return leb128(true);
        }

        /** LEB128: 7 bits a byte, low first; a signed one extends the sign bit of its last byte. */
        private long leb128(boolean signed) {
            long result = 0;
            int shift = 0;
            byte x;
            do {
                x = b.get(at++);
                result |= (long) (x & 0x7f) << shift;
                shift += 7;
            } while (x < 0);
            if (signed && shift < 64 && (x & 0x40) != 0) {
                result |= -1L << shift;
            }
            return result;
        }

        /** A pointer in DW_EH_PE encoding: format in the low nibble, pcrel (0x10) or datarel (0x30) above. */
        long encoded(int encoding) {
            int start = at;
            long value = switch (encoding & 0x0f) {
                case 0x00 -> {
                    at += 8;
                    yield b.getLong(start);
                }
                case 0x01 -> uleb();
                case 0x02 -> {
                    at += 2;
                    yield Short.toUnsignedInt(b.getShort(start));
                }
                case 0x03 -> {
                    at += 4;
                    yield Integer.toUnsignedLong(b.getInt(start));
                }
                case 0x04, 0x0c -> {
                    at += 8;
                    yield b.getLong(start);
                }
                case 0x09 -> sleb();
                case 0x0a -> {
                    at += 2;
                    yield b.getShort(start);
                }
                case 0x0b -> {
                    at += 4;
                    yield b.getInt(start);
                }
                default -> throw new IllegalStateException("unknown pointer encoding 0x" + Integer.toHexString(encoding));
            };
            switch (encoding & 0x70) {
                case 0x10 -> value += start + delta;
                case 0x30 -> value += dataBase;
                default -> {
                }
            }
            return value;
        }
    }
}

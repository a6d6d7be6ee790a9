package io.jperf.hotspot;

import io.jperf.collect.LongMap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * HotSpot's code heaps read in place, for unwinding: which code blob holds an address and what it is (compiled Java
 * with its frame size, the interpreter, or other code). Found through each heap's segment map as the JVM finds them
 * itself, so code is known the moment it is installed, before JVMTI reports it (the Service Thread posts loads late),
 * and stubs JVMTI never names are still known as code. All reads go through {@link SafeMemory}; callers cache. Used by
 * one thread.
 */
public final class CodeHeaps {
    /** What a blob is, as far as unwinding cares. */
    public enum Kind {
        /** An nmethod: compiled Java (or a native method's wrapper) whose frame size (at least two words) is known. */
        COMPILED,
        /** The template interpreter's code: its frames keep a frame pointer and the Method*. */
        INTERPRETER,
        /** Stubs, adapters and the rest. */
        OTHER
    }

    /**
     * A blob: its kind, frame size in bytes (0 when it has none) and the address from which its frame is complete (its
     * prologue done; 0 when not known).
     */
    public record Blob(Kind kind, int frameBytes, long frameComplete) {
    }

    private static final int FREE_SEGMENT = 0xFF;
    private static final int MAX_HOPS = 1 << 16;
    /** Segment-map bytes read at once: a hop goes back at most 254 segments, a big nmethod takes several. */
    private static final int SEGMAP_CHUNK = 4096;
    private static final int MAX_FRAME_WORDS = 1 << 16;
    private static final int MAX_NAMES = 4096;
    private static final int MAX_NAME = 64;

    private final SafeMemory memory;
    private final Heap[] heaps;
    private final int heapBlockBytes;
    private final long usedAt;
    private final long frameSizeAt;
    private final long nameAt;
    private final long frameCompleteAt;
    /** Where the blob keeps its code: an address (JDK 17) or an int offset from the blob (later JDKs). */
    private final long codeBeginAt;
    private final long codeOffsetAt;
    /** CodeBlob::_kind where the JVM has it (JDK 23 and later), else −1: then names tell nmethods apart. */
    private final long kindAt;
    private final int nmethodKind;
    private final LongMap<String> names = new LongMap<>();
    /** Reused by every lookup (one thread reads), direct (see SafeMemory): a blob's header, a segment map's stretch. */
    private final ByteBuffer header;
    private final ByteBuffer segmap = ByteBuffer.allocateDirect(SEGMAP_CHUNK);

    private record Heap(long low, long high, long segmap, int log2Segment) {
    }

    private CodeHeaps(VMStructs vm, SafeMemory memory) throws IOException {
        this.memory = memory;
        heapBlockBytes = (int) vm.typeSize("HeapBlock");
        usedAt = vm.offset("HeapBlock::Header", "_used");
        frameSizeAt = vm.offset("CodeBlob", "_frame_size");
        nameAt = vm.offset("CodeBlob", "_name");
        frameCompleteAt = vm.offset("CodeBlob", "_frame_complete_offset");
        codeBeginAt = vm.offset("CodeBlob", "_code_begin");
        codeOffsetAt = vm.offset("CodeBlob", "_code_offset");
        kindAt = vm.offset("CodeBlob", "_kind");
        nmethodKind = vm.constant("CodeBlobKind::Nmethod", -1);
        long blobBytes = vm.typeSize("CodeBlob");
        if (heapBlockBytes <= 0 || usedAt < 0 || frameSizeAt < 0 || nameAt < 0 || blobBytes <= 0
                || kindAt >= 0 && nmethodKind < 0) {
            throw new IOException("this JVM's VMStructs lack HeapBlock or CodeBlob fields");
        }
        header = ByteBuffer.allocateDirect(heapBlockBytes + (int) blobBytes).order(ByteOrder.nativeOrder());
        heaps = readHeaps(vm, memory);
    }

    /** Reads the heaps' places from this JVM; the exception says what is missing. */
    public static CodeHeaps open() throws IOException {
        try {
            return new CodeHeaps(VMStructs.read(), SafeMemory.shared());
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new IOException("cannot read HotSpot's VMStructs: " + e.getMessage(), e);
        }
    }

    private static Heap[] readHeaps(VMStructs vm, SafeMemory memory) throws IOException {
        long heapsAt = vm.address("CodeCache", "_heaps");
        long lengthAt = vm.offset("GrowableArrayBase", "_len");
        long dataAt = vm.offset("GrowableArray<int>", "_data");
        long memoryAt = vm.offset("CodeHeap", "_memory");
        long segmapAt = vm.offset("CodeHeap", "_segmap");
        long log2At = vm.offset("CodeHeap", "_log2_segment_size");
        long lowAt = vm.offset("VirtualSpace", "_low");
        long highAt = vm.offset("VirtualSpace", "_high_boundary");
        if (heapsAt == 0 || lengthAt < 0 || dataAt < 0 || memoryAt < 0 || segmapAt < 0 || log2At < 0 || lowAt < 0
                || highAt < 0) {
            throw new IOException("this JVM's VMStructs lack the code heaps' fields");
        }
        long array = memory.readLong(heapsAt, 0);
        int length = memory.readInt(array + lengthAt, -1);
        long data = memory.readLong(array + dataAt, 0);
        if (array == 0 || length <= 0 || length > 16 || data == 0) {
            throw new IOException("cannot read the code heaps' list");
        }
        Heap[] heaps = new Heap[length];
        for (int i = 0; i < length; i++) {
            long heap = memory.readLong(data + 8L * i, 0);
            heaps[i] = new Heap(memory.readLong(heap + memoryAt + lowAt, 0),
                    memory.readLong(heap + memoryAt + highAt, 0), memory.readLong(heap + segmapAt + lowAt, 0),
                    memory.readInt(heap + log2At, -1));
            if (heap == 0 || heaps[i].low == 0 || heaps[i].segmap == 0 || heaps[i].log2Segment < 4
                    || heaps[i].log2Segment > 16) {
                throw new IOException("cannot read code heap " + i);
            }
        }
        return heaps;
    }

    /** Whether {@code address} lies in a code heap (reserved space: the heaps never move). */
    public boolean contains(long address) {
        return heapOf(address) != null;
    }

    /** The blob in use that holds {@code pc}, or null (not in a heap, a free block, unreadable). */
    public Blob blobAt(long pc) {
        Heap heap = heapOf(pc);
        if (heap == null) {
            return null;
        }
        long block = blockStart(heap, pc);
        ByteBuffer b = header.clear();
        if (block == 0 || !memory.read(block, b) || b.get((int) usedAt) == 0) {
            return null;
        }
        long blob = block + heapBlockBytes;
        int words = b.getInt(heapBlockBytes + (int) frameSizeAt);
        int frameBytes = words > 0 && words < MAX_FRAME_WORDS ? words * 8 : 0;
        long frameComplete = frameComplete(b, blob);
        boolean nmethod;
        String name = null;
        if (kindAt >= 0) {
            nmethod = b.get(heapBlockBytes + (int) kindAt) == nmethodKind;
        } else {
            name = name(b.getLong(heapBlockBytes + (int) nameAt));
            nmethod = name.endsWith("nmethod");
        }
        if (nmethod && frameBytes >= 16) {
            return new Blob(Kind.COMPILED, frameBytes, frameComplete);
        }
        if (name == null) {
            name = name(b.getLong(heapBlockBytes + (int) nameAt));
        }
        return new Blob("Interpreter".equals(name) ? Kind.INTERPRETER : Kind.OTHER, frameBytes, frameComplete);
    }

    /** The code's address plus the frame-complete offset (which counts from the code), or 0. */
    private long frameComplete(ByteBuffer read, long blob) {
        if (frameCompleteAt < 0 || codeBeginAt < 0 && codeOffsetAt < 0) {
            return 0;
        }
        int at = heapBlockBytes + (int) frameCompleteAt;
        // An int until the blob header shrank (JDK 23, when _kind came), an int16_t since.
        int offset = kindAt >= 0 ? read.getShort(at) : read.getInt(at);
        long code = codeBeginAt >= 0 ? read.getLong(heapBlockBytes + (int) codeBeginAt)
                : blob + read.getInt(heapBlockBytes + (int) codeOffsetAt);
        return offset > 0 ? code + offset : 0;
    }

    /** The blob of the compiled method whose code begins at {@code codeBegin}, or null when it is not one. */
    public Blob compiled(long codeBegin) {
        Blob found = blobAt(codeBegin);
        return found != null && found.kind == Kind.COMPILED ? found : null;
    }

    private Heap heapOf(long address) {
        for (Heap h : heaps) {
            if (address >= h.low && address < h.high) {
                return h;
            }
        }
        return null;
    }

    /**
     * The block holding {@code pc}: each segment's byte in the map says how many segments back to go towards its
     * block's first segment (0 there, 0xFF for a free segment).
     */
    private long blockStart(Heap heap, long pc) {
        long segment = (pc - heap.low) >>> heap.log2Segment;
        long chunkFrom = Long.MAX_VALUE;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            if (segment < chunkFrom) {
                chunkFrom = Math.max(0, segment - SEGMAP_CHUNK + 1);
                if (!memory.read(heap.segmap + chunkFrom, segmap.clear().limit((int) (segment - chunkFrom + 1)))) {
                    return 0;
                }
            }
            int back = segmap.get((int) (segment - chunkFrom)) & 0xFF;
            if (back == 0) {
                return heap.low + (segment << heap.log2Segment);
            }
            if (back == FREE_SEGMENT || back > segment) {
                return 0;
            }
            segment -= back;
        }
        return 0;
    }

    /** A blob's name: static strings in libjvm, few, so cached by address. */
    private String name(long address) {
        String name = names.get(address);
        if (name == null) {
            byte[] bytes = memory.readBytes(address, MAX_NAME);
            if (bytes == null) {
                return "";
            }
            String s = new String(bytes, StandardCharsets.ISO_8859_1);
            name = s.indexOf(0) >= 0 ? s.substring(0, s.indexOf(0)) : s;
            if (names.size() < MAX_NAMES) {
                names.put(address, name);
            }
        }
        return name;
    }
}

package io.jperf.jit;

import io.jperf.collect.LongSortedMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The JVM's code cache as jperf knows it: address ranges to code, versioned by CLOCK_MONOTONIC time so that an address
 * reused after an unload resolves to the code that was there when a sample was taken.
 *
 * <p>Readers call {@link #lookup} or take a {@link Snapshot}: the code's versions by address, in immutable chunks that
 * snapshots share; no locks, safe from any thread. One writer thread (the tracker's resolver) adds and removes code
 * and publishes new snapshots.
 */
public final class CodeCache {
    /** Load time of code that already existed when jperf first saw it. */
    public static final long ALWAYS = Long.MIN_VALUE;
    /** Unload time of live code. */
    public static final long NEVER = Long.MAX_VALUE;
    /** How much later than a sample the load of the code it ran may be reported (see {@link Snapshot#lookup}). */
    static final long LATE_LOAD_NANOS = 2_000_000_000L;

    private static final Comparator<Entry> BY_START = CodeCache::compare;
    /** The scratch arrays' first sizes, to which a publish returns them after a replay grew them past 4 chunks. */
    private static final int ADDED_SIZE = 64;
    private static final int MERGED_SIZE = 2 * Chunk.MAX;

    private volatile long retainDeadNanos;
    private volatile int maxDead;
    private final LongSortedMap<Entry> live = new LongSortedMap<>();
    /** Code added since the last publish, in the order added. */
    private Entry[] added = new Entry[ADDED_SIZE];
    private int addedCount;
    /** How many entries are unloaded code, and the earliest unload among them. */
    private int dead;
    private long earliestUnload = NEVER;
    private volatile Snapshot current = Snapshot.EMPTY;
    /** The publishing writer's scratch: entries of the chunks being rebuilt, and the chunks of the next snapshot. */
    private Entry[] merged = new Entry[MERGED_SIZE];
    private final List<Chunk> chunks = new ArrayList<>();

    /** What {@link #add} did. */
    enum Added {
        /** New code. */
        NEW,
        /** Known code, now with the inline table it lacked. */
        DETAILED,
        /** Known code: nothing changed. */
        KNOWN
    }

    /**
     * A version of code at an address. Snapshots share the entries: a reader holding an older snapshot sees a later
     * unload time, or the same code later given its inline table, which only makes its answers fresher.
     */
    private static final class Entry {
        volatile CodeBlob blob;
        final long load;
        volatile long unload = NEVER;

        Entry(CodeBlob blob, long load) {
            this.blob = blob;
            this.load = load;
        }
    }

    /**
     * @param retainDeadNanos how long unloaded code stays resolvable for samples taken before its unload
     * @param maxDead at most this many unloaded blobs are kept, the oldest unloads are forgotten first
     */
    public CodeCache(long retainDeadNanos, int maxDead) {
        retainUnloaded(retainDeadNanos, maxDead);
    }

    /** How long, and how much, unloaded code stays resolvable; from the next publish on. */
    public void retainUnloaded(long nanos, int max) {
        this.retainDeadNanos = nanos;
        this.maxDead = max;
    }

    public Snapshot snapshot() {
        return current;
    }

    /** The code at {@code pc} at {@code time}, or null. */
    public CodeBlob lookup(long pc, long time) {
        return current.lookup(pc, time);
    }

    /**
     * Adds code. Live code it overlaps must have been freed without an unload event reaching us yet (or ever, for
     * generated code): it ends at {@code observed}.
     *
     * @param load when the code appeared, {@link #ALWAYS} for code that predates jperf
     * @param observed when jperf learnt of it
     * @param displaced receives the blobs this addition ended
     */
    Added add(CodeBlob blob, long load, long observed, List<CodeBlob> displaced) {
        Entry same = live.get(blob.start);
        if (same != null && sameCode(same.blob, blob)) {
            if (same.blob instanceof CompiledMethod && ((CompiledMethod) same.blob).inlining.size() == 0
                    && ((CompiledMethod) blob).inlining.size() > 0) {
                same.blob = blob;
                return Added.DETAILED;
            }
            return Added.KNOWN;
        }
        Entry before = live.floor(blob.start);
        if (before != null && before.blob.end() > blob.start) {
            end(before, observed, displaced);
        }
        for (Entry e : live.range(blob.start, blob.end())) {
            end(e, observed, displaced);
        }
        Entry added = new Entry(blob, load);
        live.put(blob.start, added);
        if (addedCount == this.added.length) {
            this.added = Arrays.copyOf(this.added, addedCount * 2);
        }
        this.added[addedCount++] = added;
        return Added.NEW;
    }

    private void end(Entry e, long time, List<CodeBlob> ended) {
        live.remove(e.blob.start);
        unloaded(e, time);
        ended.add(e.blob);
    }

    /** Code that predates jperf ends when it is seen to end; other code never before it was loaded. */
    private void unloaded(Entry e, long time) {
        e.unload = e.load == ALWAYS ? time : Math.max(time, e.load);
        dead++;
        earliestUnload = Math.min(earliestUnload, e.unload);
    }

    /** Ends the live code starting at {@code start}; returns it, or null when none is live there. */
    CodeBlob remove(long start, long time) {
        Entry e = live.remove(start);
        if (e == null) {
            return null;
        }
        unloaded(e, time);
        return e.blob;
    }

    /** Live blobs that appeared before {@code time}, by address: the candidates to prune after a replay. */
    List<CodeBlob> liveLoadedBefore(long time) {
        List<CodeBlob> blobs = new ArrayList<>();
        for (Entry e : live.values()) {
            if (e.load < time) {
                blobs.add(e.blob);
            }
        }
        return blobs;
    }

    /**
     * Makes all changes so far visible to readers and forgets unloaded code older than the retention. Snapshots share
     * their chunks: a publish rebuilds only the chunks that gain or forget code, so it costs (and leaves as garbage)
     * about what changed, not the whole cache.
     */
    Snapshot publish(long now) {
        Snapshot last = current;
        long cutoff = forgetBefore(last, now);
        boolean forgetting = earliestUnload < cutoff;
        long keepFrom = forgetting ? cutoff : Long.MIN_VALUE;
        Arrays.sort(added, 0, addedCount, BY_START);
        chunks.clear();
        int a = 0;
        int m = 0;
        for (int c = 0; c < last.chunks.length; c++) {
            Chunk chunk = last.chunks[c];
            boolean lastChunk = c == last.chunks.length - 1;
            int to = a;
            while (to < addedCount && (lastChunk || compare(added[to], last.chunks[c + 1].entries[0]) < 0)) {
                to++;
            }
            if (m == 0 && to == a && !(forgetting && chunk.unloadedBefore(cutoff))) {
                chunks.add(chunk);
                continue;
            }
            m = mergeInto(m, chunk.entries, a, to, keepFrom);
            a = to;
            if (m >= Chunk.MAX / 4 || lastChunk) {
                cut(m);
                m = 0;
            }
        }
        if (last.chunks.length == 0) {
            cut(mergeInto(0, new Entry[0], 0, addedCount, keepFrom));
        }
        Arrays.fill(added, 0, addedCount, null);
        addedCount = 0;
        // Scratch grown for a replay's thousands is not kept for the process's life.
        if (merged.length > 4 * Chunk.MAX) {
            merged = new Entry[MERGED_SIZE];
        }
        if (added.length > 4 * Chunk.MAX) {
            added = new Entry[ADDED_SIZE];
        }
        Snapshot s = new Snapshot(chunks.toArray(new Chunk[0]), live.size());
        chunks.clear();
        if (forgetting) {
            countDead(s);
        }
        current = s;
        return s;
    }

    /**
     * Appends to {@link #merged}, from position {@code m}, a chunk's entries merged with the added ones in
     * [{@code from}, {@code to}), leaving out code unloaded before {@code cutoff}; returns the new end.
     */
    private int mergeInto(int m, Entry[] old, int from, int to, long cutoff) {
        if (merged.length < m + old.length + to - from) {
            merged = Arrays.copyOf(merged, 2 * (m + old.length + to - from));
        }
        int i = 0;
        int j = from;
        while (i < old.length || j < to) {
            Entry e = j == to || (i < old.length && compare(old[i], added[j]) <= 0) ? old[i++] : added[j++];
            if (e.unload >= cutoff) {
                merged[m++] = e;
            }
        }
        return m;
    }

    /** Cuts the first {@code m} merged entries into chunks of at most {@link Chunk#MAX}, of even sizes. */
    private void cut(int m) {
        int pieces = (m + Chunk.MAX - 1) / Chunk.MAX;
        for (int p = 0; p < pieces; p++) {
            chunks.add(new Chunk(Arrays.copyOfRange(merged, (int) ((long) m * p / pieces),
                    (int) ((long) m * (p + 1) / pieces))));
        }
        Arrays.fill(merged, 0, m, null);
    }

    /** Unloaded code that unloaded before this is forgotten. */
    private long forgetBefore(Snapshot last, long now) {
        if (dead > 0 && maxDead <= 0) {
            return NEVER;
        }
        long before = now - retainDeadNanos;
        if (dead > maxDead) {
            long[] unloads = new long[dead];
            int n = 0;
            for (Chunk chunk : last.chunks) {
                n = unloads(chunk.entries, chunk.entries.length, unloads, n);
            }
            n = unloads(added, addedCount, unloads, n);
            Arrays.sort(unloads, 0, n);
            if (n > maxDead) {
                before = Math.max(before, unloads[n - maxDead]);
            }
        }
        return before;
    }

    /** Appends the unload times of the unloaded code among {@code entries[0, count)}, as far as they fit. */
    private static int unloads(Entry[] entries, int count, long[] into, int n) {
        for (int k = 0; k < count && n < into.length; k++) {
            if (entries[k].unload != NEVER) {
                into[n++] = entries[k].unload;
            }
        }
        return n;
    }

    private void countDead(Snapshot s) {
        dead = 0;
        earliestUnload = NEVER;
        for (Chunk chunk : s.chunks) {
            for (Entry e : chunk.entries) {
                if (e.unload != NEVER) {
                    dead++;
                    earliestUnload = Math.min(earliestUnload, e.unload);
                }
            }
        }
    }

    private static int compare(Entry a, Entry b) {
        int byStart = Long.compare(a.blob.start, b.blob.start);
        return byStart != 0 ? byStart : Long.compare(a.load, b.load);
    }

    private static boolean sameCode(CodeBlob a, CodeBlob b) {
        if (a.size != b.size || a.getClass() != b.getClass()) {
            return false;
        }
        if (a instanceof CompiledMethod) {
            return ((CompiledMethod) a).method == ((CompiledMethod) b).method;
        }
        return true; // generated code of the same size at the same place; replays may name it less precisely
    }

    /**
     * Consecutive versions, by start address, shared by the snapshots published while none of them was added or
     * forgotten.
     */
    private static final class Chunk {
        /** Most entries in a chunk: a publish copies this many for each chunk it changes. */
        static final int MAX = 256;

        final long[] starts;
        /** The greatest end address of the entries in this chunk up to each: how far back a lookup must look. */
        final long[] maxEnds;
        final Entry[] entries;

        Chunk(Entry[] entries) {
            this.entries = entries;
            starts = new long[entries.length];
            maxEnds = new long[entries.length];
            long maxEnd = Long.MIN_VALUE;
            for (int i = 0; i < entries.length; i++) {
                CodeBlob b = entries[i].blob;
                starts[i] = b.start;
                maxEnd = Math.max(maxEnd, b.end());
                maxEnds[i] = maxEnd;
            }
        }

        long maxEnd() {
            return maxEnds[maxEnds.length - 1];
        }

        boolean unloadedBefore(long cutoff) {
            for (Entry e : entries) {
                if (e.unload < cutoff) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The code cache at a publish: its versions sorted by start address, with load and unload times. Which versions it
     * holds never changes; their unload times may (see {@link Entry}).
     */
    public static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(new Chunk[0], 0);

        private final Chunk[] chunks;
        /** Each chunk's first start address. */
        private final long[] firstStarts;
        /** The greatest end address of the chunks up to each. */
        private final long[] maxEnds;
        /** How many entries precede each chunk, and in all at the end. */
        private final long[] offsets;
        private final int liveCount;

        private Snapshot(Chunk[] chunks, int liveCount) {
            this.chunks = chunks;
            this.liveCount = liveCount;
            firstStarts = new long[chunks.length];
            maxEnds = new long[chunks.length];
            offsets = new long[chunks.length + 1];
            long maxEnd = Long.MIN_VALUE;
            for (int c = 0; c < chunks.length; c++) {
                firstStarts[c] = chunks[c].starts[0];
                maxEnd = Math.max(maxEnd, chunks[c].maxEnd());
                maxEnds[c] = maxEnd;
                offsets[c + 1] = offsets[c] + chunks[c].entries.length;
            }
        }

        /**
         * The code at {@code pc} at {@code time}, or null. When versions overlap (an unload not yet reported),
         * the most recently loaded one wins. When none was loaded yet, the first loaded there within
         * {@link #LATE_LOAD_NANOS} after: JVMTI reports new code after it is installed (the Service Thread posts the
         * event), and the code may run meanwhile. O(log n) plus the few versions that share the address.
         */
        public CodeBlob lookup(long pc, long time) {
            CodeBlob best = null;
            long bestLoad = 0;
            CodeBlob late = null;
            long lateLoad = 0;
            for (int c = lastAtOrBefore(firstStarts, firstStarts.length, pc); c >= 0 && maxEnds[c] > pc; c--) {
                Chunk chunk = chunks[c];
                for (int i = lastAtOrBefore(chunk.starts, chunk.starts.length, pc); i >= 0 && chunk.maxEnds[i] > pc;
                        i--) {
                    Entry e = chunk.entries[i];
                    CodeBlob b = e.blob;
                    if (pc >= b.end()) {
                        continue;
                    }
                    long load = e.load;
                    if (load <= time && time < e.unload && (best == null || load > bestLoad)) {
                        best = b;
                        bestLoad = load;
                    } else if (load > time && time >= load - LATE_LOAD_NANOS && (late == null || load < lateLoad)) {
                        late = b;
                        lateLoad = load;
                    }
                }
            }
            return best != null ? best : late;
        }

        /** Blobs, live and recently unloaded (with their times kept for {@link #lookup}), by start address. */
        public int size() {
            return (int) offsets[chunks.length];
        }

        public CodeBlob blob(int i) {
            return entry(i).blob;
        }

        /** Not unloaded (as far as jperf knows now, which may be later than this snapshot). */
        public boolean isLive(int i) {
            return entry(i).unload == NEVER;
        }

        /** How much code was live when this snapshot was published. */
        public int liveCount() {
            return liveCount;
        }

        private Entry entry(int i) {
            int c = lastAtOrBefore(offsets, chunks.length, i);
            return chunks[c].entries[(int) (i - offsets[c])];
        }
    }

    /** The index of the last of {@code sorted[0, n)} at or before {@code key}, -1 if none is. */
    private static int lastAtOrBefore(long[] sorted, int n, long key) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }
}

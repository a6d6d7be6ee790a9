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
 * <p>Readers call {@link #lookup} or take a {@link Snapshot}: sorted arrays of the code's versions, no locks, safe from
 * any thread. One writer thread (the tracker's resolver) adds and removes code and publishes new snapshots.
 */
public final class CodeCache {
    /** Load time of code that already existed when jperf first saw it. */
    public static final long ALWAYS = Long.MIN_VALUE;
    /** Unload time of live code. */
    public static final long NEVER = Long.MAX_VALUE;
    /** How much later than a sample the load of the code it ran may be reported (see {@link Snapshot#lookup}). */
    static final long LATE_LOAD_NANOS = 2_000_000_000L;

    private static final Comparator<Entry> BY_START = CodeCache::compare;

    private volatile long retainDeadNanos;
    private volatile int maxDead;
    private final LongSortedMap<Entry> live = new LongSortedMap<>();
    /** Live and unloaded code: [0, sorted) by start then load time, later ones added since the last publish. */
    private Entry[] entries = new Entry[256];
    private int count;
    private int sorted;
    /** How many entries are unloaded code, and the earliest unload among them. */
    private int dead;
    private long earliestUnload = NEVER;
    private volatile Snapshot current = Snapshot.EMPTY;

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
        if (count == entries.length) {
            entries = Arrays.copyOf(entries, count * 2);
        }
        entries[count++] = added;
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
     * Makes all changes so far visible to readers and forgets unloaded code older than the retention. The code added
     * since the last publish is sorted and merged into the rest, which is in order already: a publish costs the copy
     * into the snapshot's arrays, not a sort of the whole cache.
     */
    Snapshot publish(long now) {
        if (sorted < count) {
            Arrays.sort(entries, sorted, count, BY_START);
            mergeAdded();
            sorted = count;
        }
        long cutoff = forgetBefore(now);
        if (earliestUnload < cutoff) {
            forget(cutoff);
        }
        Snapshot s = new Snapshot(entries, count);
        current = s;
        return s;
    }

    /** Unloaded code that unloaded before this is forgotten. */
    private long forgetBefore(long now) {
        if (dead > 0 && maxDead <= 0) {
            return NEVER;
        }
        long before = now - retainDeadNanos;
        if (dead > maxDead) {
            long[] unloads = new long[dead];
            int i = 0;
            for (int k = 0; k < count; k++) {
                if (entries[k].unload != NEVER) {
                    unloads[i++] = entries[k].unload;
                }
            }
            Arrays.sort(unloads);
            before = Math.max(before, unloads[dead - maxDead]);
        }
        return before;
    }

    private void forget(long cutoff) {
        int kept = 0;
        dead = 0;
        earliestUnload = NEVER;
        for (int k = 0; k < count; k++) {
            Entry e = entries[k];
            if (e.unload != NEVER) {
                if (e.unload < cutoff) {
                    continue;
                }
                dead++;
                earliestUnload = Math.min(earliestUnload, e.unload);
            }
            entries[kept++] = e;
        }
        Arrays.fill(entries, kept, count, null);
        count = kept;
        sorted = kept;
    }

    /** Merges the sorted run [sorted, count) into the sorted run before it, from the back, in place. */
    private void mergeAdded() {
        if (sorted == 0 || compare(entries[sorted - 1], entries[sorted]) <= 0) {
            return;
        }
        Entry[] added = Arrays.copyOfRange(entries, sorted, count);
        int i = sorted - 1;
        int j = added.length - 1;
        for (int k = count - 1; j >= 0; k--) {
            entries[k] = i >= 0 && compare(entries[i], added[j]) > 0 ? entries[i--] : added[j--];
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
     * The code cache at a publish: its versions sorted by start address, with load and unload times. Which versions it
     * holds never changes; their unload times may (see {@link Entry}).
     */
    public static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(new Entry[0], 0);

        private final long[] starts;
        /** The greatest end address of the entries up to each: how far back a lookup must look. */
        private final long[] maxEnds;
        private final Entry[] entries;
        private final int liveCount;

        private Snapshot(Entry[] sorted, int n) {
            starts = new long[n];
            maxEnds = new long[n];
            entries = Arrays.copyOf(sorted, n);
            long maxEnd = Long.MIN_VALUE;
            int liveBlobs = 0;
            for (int i = 0; i < n; i++) {
                CodeBlob b = sorted[i].blob;
                starts[i] = b.start;
                maxEnd = Math.max(maxEnd, b.end());
                maxEnds[i] = maxEnd;
                if (sorted[i].unload == NEVER) {
                    liveBlobs++;
                }
            }
            this.liveCount = liveBlobs;
        }

        /**
         * The code at {@code pc} at {@code time}, or null. When versions overlap (an unload not yet reported),
         * the most recently loaded one wins. When none was loaded yet, the first loaded there within
         * {@link #LATE_LOAD_NANOS} after: JVMTI reports new code after it is installed (the Service Thread posts the
         * event), and the code may run meanwhile. O(log n) plus the few versions that share the address.
         */
        public CodeBlob lookup(long pc, long time) {
            int lo = 0;
            int hi = starts.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (starts[mid] <= pc) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            CodeBlob best = null;
            long bestLoad = 0;
            CodeBlob late = null;
            long lateLoad = 0;
            for (int i = lo - 1; i >= 0 && maxEnds[i] > pc; i--) {
                Entry e = entries[i];
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
            return best != null ? best : late;
        }

        /** Blobs, live and recently unloaded (with their times kept for {@link #lookup}), by start address. */
        public int size() {
            return entries.length;
        }

        public CodeBlob blob(int i) {
            return entries[i].blob;
        }

        /** Not unloaded (as far as jperf knows now, which may be later than this snapshot). */
        public boolean isLive(int i) {
            return entries[i].unload == NEVER;
        }

        /** How much code was live when this snapshot was published. */
        public int liveCount() {
            return liveCount;
        }
    }
}

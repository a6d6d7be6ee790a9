package io.jperf.trace;

import io.jperf.collect.LatencyHistogram;
import io.jperf.hotspot.JavaThreads;
import io.jperf.perf.Sample;
import io.jperf.perf.SampleSink;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Pairs the {@code raw_syscalls:sys_enter} and {@code sys_exit} samples of each thread into calls with their
 * duration and result, on the sampler's reader thread. Each CPU has its own ring, so a thread that moved to another
 * CPU during a call may have its exit read before its enter: events wait and are paired in time order, once every
 * ring has been read past their time. Every call is counted in the summary; the first
 * {@code keep} calls are kept one by one, with their callchain when asked. With only the enter event (counting),
 * calls are counted by thread and name and nothing else.
 */
public final class SyscallTracer implements SampleSink {
    /** Event indexes in the sampler's list. */
    public static final int ENTER = 0;
    public static final int EXIT = 1;
    /** raw_syscalls layouts (tracefs format): sys_enter id@8, args[6]@16; sys_exit id@8, ret@16. */
    private static final int ID = 8;
    private static final int ARGS = 16;
    private static final int RET = 16;
    private static final int MAX_CHAIN_LONGS = 1 << 20;

    private final IntFunction<String> threadName;
    private final boolean durations;
    private final int keep;
    private final boolean stacks;
    private final Map<Integer, Open> open = new HashMap<>();
    private final Map<Integer, String> names = new LinkedHashMap<>();
    private final Map<Integer, Summary> byCall = new TreeMap<>();
    private final Map<Long, Summary> byThreadCall = new TreeMap<>();
    private final CallLog log = new CallLog();
    /** Events read but not yet paired: later than the last time every ring was read past. */
    private final java.util.ArrayList<Event> waiting = new java.util.ArrayList<>();
    private long unmatchedExits;
    private long firstTime = -1;

    /** An event as read from a ring (the sample itself is reused). */
    private static final class Event {
        final int event;
        final int tid;
        final long time;
        final int nr;
        final long[] args = new long[6];
        final long ret;
        final long[] chain;

        Event(Sample s, int nr, boolean keepChain) {
            this.event = s.event();
            this.tid = s.tid();
            this.time = s.time();
            this.nr = nr;
            for (int i = 0; i < 6 && ARGS + 8 * i + 8 <= s.rawSize(); i++) {
                args[i] = s.rawLong(ARGS + 8 * i);
            }
            this.ret = event == EXIT && s.rawSize() >= RET + 8 ? s.rawLong(RET) : 0;
            this.chain = keepChain && s.chainLength() > 0 ? Arrays.copyOf(s.chain(), s.chainLength()) : null;
        }
    }

    /** The call a thread is in. */
    private static final class Open {
        boolean active;
        int nr;
        long time;
        final long[] args = new long[6];
        long[] chain = new long[0];
        int chainLength;
    }

    /** Calls, errors and time of one system call (in one thread, or in all). */
    public static final class Summary {
        long calls;
        long errors;
        long total;
        long min = Long.MAX_VALUE;
        long max;
        final LatencyHistogram latency;

        Summary(boolean percentiles) {
            latency = percentiles ? new LatencyHistogram() : null;
        }

        private Summary(Summary s) {
            calls = s.calls;
            errors = s.errors;
            total = s.total;
            min = s.min;
            max = s.max;
            latency = s.latency == null ? null : s.latency.copy();
        }

        void add(long duration, boolean error) {
            calls++;
            if (error) {
                errors++;
            }
            if (duration >= 0) {
                total += duration;
                min = Math.min(min, duration);
                max = Math.max(max, duration);
                if (latency != null) {
                    latency.record(duration);
                }
            }
        }

        public long calls() {
            return calls;
        }

        public long errors() {
            return errors;
        }

        public long totalNanos() {
            return total;
        }

        public long minNanos() {
            return calls == 0 ? 0 : min;
        }

        public long maxNanos() {
            return max;
        }

        /** A percentile (0..1) of the durations, to within 3%; 0 where not kept. */
        public long percentile(double q) {
            return latency == null ? 0 : latency.percentile(q);
        }
    }

    /** Calls kept one by one, in columns. */
    static final class CallLog {
        int size;
        int[] tid = new int[1024];
        int[] nr = new int[1024];
        long[] start = new long[1024];
        long[] duration = new long[1024];
        long[] ret = new long[1024];
        long[] args = new long[6 * 1024];
        int[] chainAt = new int[1024];
        int[] chainLength = new int[1024];
        long[] chains = new long[0];
        int chainsUsed;

        void add(int t, Open o, long d, long r, boolean withChain) {
            if (size == tid.length) {
                int n = size * 2;
                tid = Arrays.copyOf(tid, n);
                nr = Arrays.copyOf(nr, n);
                start = Arrays.copyOf(start, n);
                duration = Arrays.copyOf(duration, n);
                ret = Arrays.copyOf(ret, n);
                args = Arrays.copyOf(args, 6 * n);
                chainAt = Arrays.copyOf(chainAt, n);
                chainLength = Arrays.copyOf(chainLength, n);
            }
            tid[size] = t;
            nr[size] = o.nr;
            start[size] = o.time;
            duration[size] = d;
            ret[size] = r;
            System.arraycopy(o.args, 0, args, 6 * size, 6);
            chainLength[size] = 0;
            if (withChain && chainsUsed + o.chainLength <= MAX_CHAIN_LONGS) {
                if (chainsUsed + o.chainLength > chains.length) {
                    chains = Arrays.copyOf(chains, Math.min(MAX_CHAIN_LONGS,
                            Math.max(chains.length * 2, chainsUsed + o.chainLength + 4096)));
                }
                System.arraycopy(o.chain, 0, chains, chainsUsed, o.chainLength);
                chainAt[size] = chainsUsed;
                chainLength[size] = o.chainLength;
                chainsUsed += o.chainLength;
            }
            size++;
        }
    }

    /**
     * @param durations whether exits are sampled too (else calls are only counted at their enter)
     * @param keep calls kept one by one (0 to only summarize)
     * @param stacks whether kept calls keep the callchain of their enter
     */
    public SyscallTracer(IntFunction<String> threadName, boolean durations, int keep, boolean stacks) {
        this.threadName = threadName;
        this.durations = durations;
        this.keep = keep;
        this.stacks = stacks;
    }

    @Override
    public synchronized void sample(Sample s) {
        if (s.rawSize() < ID + 8) {
            return;
        }
        if (firstTime < 0) {
            firstTime = s.time();
        }
        int tid = s.tid();
        if (!names.containsKey(tid)) {
            names.put(tid, threadName.apply(tid));
        }
        int nr = (int) s.rawLong(ID);
        if (!durations) {
            count(tid, nr, -1, false);
            return;
        }
        waiting.add(new Event(s, nr, stacks && s.event() == ENTER && log.size < keep));
    }

    /** Pairs, in time order, the waiting events every ring has been read past. */
    @Override
    public synchronized void drained(long complete) {
        waiting.sort(java.util.Comparator.comparingLong(e -> e.time));
        int done = 0;
        while (done < waiting.size() && waiting.get(done).time < complete) {
            pair(waiting.get(done++));
        }
        waiting.subList(0, done).clear();
    }

    private void pair(Event e) {
        if (e.event == ENTER) {
            Open o = open.computeIfAbsent(e.tid, t -> new Open());
            o.active = true;
            o.nr = e.nr;
            o.time = e.time;
            System.arraycopy(e.args, 0, o.args, 0, 6);
            o.chain = e.chain == null ? new long[0] : e.chain;
            o.chainLength = o.chain.length;
            return;
        }
        Open o = open.get(e.tid);
        if (o == null || !o.active || o.nr != e.nr) {
            unmatchedExits++;
            return;
        }
        o.active = false;
        long duration = e.time - o.time;
        boolean error = e.ret < 0 && e.ret >= -4095;
        count(e.tid, e.nr, duration, error);
        if (log.size < keep) {
            log.add(e.tid, o, duration, e.ret, stacks);
        }
    }

    private void count(int tid, int nr, long duration, boolean error) {
        byCall.computeIfAbsent(nr, n -> new Summary(true)).add(duration, error);
        byThreadCall.computeIfAbsent((long) tid << 32 | nr, k -> new Summary(false)).add(duration, error);
    }

    /** What was traced so far, copied for output. */
    public synchronized Trace snapshot() {
        long calls = 0;
        for (Summary s : byCall.values()) {
            calls += s.calls;
        }
        int inProgress = 0;
        for (Open o : open.values()) {
            if (o.active) {
                inProgress++;
            }
        }
        CallLog copy = new CallLog();
        copy.size = log.size;
        copy.tid = Arrays.copyOf(log.tid, log.size);
        copy.nr = Arrays.copyOf(log.nr, log.size);
        copy.start = Arrays.copyOf(log.start, log.size);
        copy.duration = Arrays.copyOf(log.duration, log.size);
        copy.ret = Arrays.copyOf(log.ret, log.size);
        copy.args = Arrays.copyOf(log.args, 6 * log.size);
        copy.chainAt = Arrays.copyOf(log.chainAt, log.size);
        copy.chainLength = Arrays.copyOf(log.chainLength, log.size);
        copy.chains = Arrays.copyOf(log.chains, log.chainsUsed);
        // Names again: a thread's first calls come before the JVM names it (its native name is "java" then).
        names.replaceAll((tid, first) -> {
            String now = threadName.apply(tid);
            return now == null || now.equals(JavaThreads.UNNAMED) ? first : now;
        });
        return new Trace(firstTime, calls, calls - log.size, unmatchedExits, inProgress, new LinkedHashMap<>(names),
                copySummaries(byCall), copySummaries(byThreadCall), copy);
    }

    private static <K> Map<K, Summary> copySummaries(Map<K, Summary> from) {
        Map<K, Summary> to = new TreeMap<>();
        for (Map.Entry<K, Summary> e : from.entrySet()) {
            to.put(e.getKey(), new Summary(e.getValue()));
        }
        return to;
    }

    /**
     * A traced stretch: when it began, how many calls there were and how many are listed, exits whose enter came
     * before tracing, calls still in progress, thread names, summaries by call and by (thread, call), the listed
     * calls.
     */
    public record Trace(long firstTime, long calls, long notListed, long unmatchedExits, int inProgress,
            Map<Integer, String> threadNames, Map<Integer, Summary> byCall, Map<Long, Summary> byThreadCall,
            CallLog log) {
    }
}

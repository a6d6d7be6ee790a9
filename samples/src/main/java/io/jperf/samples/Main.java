package io.jperf.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Workloads whose behaviour is known, for demos, tests and benchmarks:
 * {@code java -jar jperf-samples.jar NAME SECONDS [ARG]}. Each prints one result line when done.
 */
public final class Main {
    private static final Map<String, String> WORKLOADS = new TreeMap<>();
    private static final int WARM_UP_WRITES = 20_000;

    static {
        WORKLOADS.put("hotloop", "pure-Java hot loop (thread hot-loop) with an inlined helper");
        WORKLOADS.put("zlib", "java.util.zip compression (thread zlib)");
        WORKLOADS.put("devnull", "small unbuffered writes to /dev/null (thread syscall)");
        WORKLOADS.put("mixed", "hotloop + zlib + devnull at once, one thread each");
        WORKLOADS.put("interpreted", "an interpreted loop (thread interpreter; run with -XX:CompileCommand=exclude,"
                + "io.jperf.samples.Workloads::interpretedLoop)");
        WORKLOADS.put("stacks", "mixed + an interpreted loop (thread interpreter; run with -XX:CompileCommand=exclude,"
                + "io.jperf.samples.Workloads::interpretedLoop), one thread each");
        WORKLOADS.put("workers", "ARG hot-loop threads (default: one per CPU): throughput benchmarks");
        WORKLOADS.put("threads", "ARG threads (default 100) doing short bursts of work");
        WORKLOADS.put("churn", "heavy compilation and class unloading: fresh classes compiled and dropped");
        WORKLOADS.put("bigcode", "compile ARG classes (default 2500) of 5 methods and keep them: a big code cache");
        WORKLOADS.put("writes", "ARG (default 10000) 16-byte writes to /dev/null by Workloads.writeRecord (thread writer),"
                + " after 20000 32-byte warm-up writes; run with -Xbatch so the method is compiled by then");
        WORKLOADS.put("pages", "touch ARG (default 10000) fresh pages of a file mapping (thread pager)");
        WORKLOADS.put("sleeps", "sleep 1 ms ARG times (default 1000) (thread sleeper)");
        WORKLOADS.put("deflates", "ARG (default 10000) calls of zlib's deflate() (thread deflater)");
        WORKLOADS.put("fullgcs", "ARG (default 3) full collections of a heap of 16 million small objects (thread"
                + " collector), 0.3 s of work after each: long stop-the-world pauses; run with -XX:+UseSerialGC");
        WORKLOADS.put("idle", "sleep: a target to attach to");
        WORKLOADS.put("pauses", "a thread that wakes every millisecond and reports the longest stall it saw");
        WORKLOADS.put("hello", "print hello and exit (start-up cost)");
        WORKLOADS.put("jna", "use the application's own JNA (must be on the class path) all along");
    }

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !WORKLOADS.containsKey(args[0])) {
            System.err.println("usage: java -jar jperf-samples.jar NAME [SECONDS [ARG]]");
            WORKLOADS.forEach((k, v) -> System.err.printf("  %-8s %s%n", k, v));
            System.exit(2);
        }
        String name = args[0];
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        String arg = args.length > 2 ? args[2] : null;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        System.out.println("samples: " + name + " running in " + ProcessHandle.current().pid());
        System.out.flush();
        // -Dsamples.delay=SECONDS: wait before working, e.g. until a profiler attached or started.
        double delay = Double.parseDouble(System.getProperty("samples.delay", "0"));
        if (delay > 0) {
            Thread.sleep((long) (delay * 1000));
            deadline += (long) (delay * 1e9);
            System.out.println("samples: working");
            System.out.flush();
        }
        switch (name) {
            case "hotloop":
                run(deadline, Workloads.hotLoop());
                break;
            case "zlib":
                run(deadline, Workloads.zlib());
                break;
            case "devnull":
                run(deadline, Workloads.devNull());
                break;
            case "mixed":
                run(deadline, Workloads.hotLoop(), Workloads.zlib(), Workloads.devNull());
                break;
            case "interpreted":
                run(deadline, Workloads.interpreted());
                break;
            case "stacks":
                run(deadline, Workloads.hotLoop(), Workloads.zlib(), Workloads.devNull(), Workloads.interpreted());
                break;
            case "workers":
                List<Workloads.Workload> workers = new ArrayList<>();
                int count = arg == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(arg);
                for (int i = 0; i < count; i++) {
                    workers.add(Workloads.hotLoop());
                }
                run(deadline, workers.toArray(new Workloads.Workload[0]));
                break;
            case "threads":
                List<Workloads.Workload> many = new ArrayList<>();
                int n = arg == null ? 100 : Integer.parseInt(arg);
                for (int i = 0; i < n; i++) {
                    many.add(Workloads.burst(i));
                }
                run(deadline, many.toArray(new Workloads.Workload[0]));
                break;
            case "churn":
                Churn.churn(deadline);
                break;
            case "bigcode":
                Churn.bigCode(arg == null ? 2500 : Integer.parseInt(arg), deadline);
                break;
            case "writes":
                runCounted(deadline, Workloads.writer(WARM_UP_WRITES), count(arg, 10_000));
                break;
            case "pages":
                runCounted(deadline, Workloads.pager(count(arg, 10_000)), count(arg, 10_000));
                break;
            case "sleeps":
                runCounted(deadline, Workloads.sleeper(), count(arg, 1000));
                break;
            case "deflates":
                runCounted(deadline, Workloads.deflater(), count(arg, 10_000));
                break;
            case "fullgcs":
                runCounted(deadline, Workloads.collector(16_000_000), count(arg, 3));
                break;
            case "idle":
                Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
                System.out.println("idle: done");
                break;
            case "pauses":
                Pauses.watch(deadline);
                break;
            case "hello":
                System.out.println("hello");
                break;
            case "jna":
                AppJna.run(deadline);
                break;
            default:
                throw new IllegalStateException(name);
        }
        reportHeap();
        linger();
    }

    /**
     * {@code -Dsamples.heap=true}: after the workload, collect and print the heap in use, so a benchmark can tell the
     * live heap a profiler adds (the workload's own garbage is gone by then).
     */
    private static void reportHeap() {
        if (Boolean.getBoolean("samples.heap")) {
            System.gc();
            Runtime rt = Runtime.getRuntime();
            System.out.println("samples: heap used after GC " + (rt.totalMemory() - rt.freeMemory()) / 1024 + " KiB");
        }
    }

    /** {@code -Dsamples.linger=SECONDS} keeps the JVM alive, idle, after the workload: to compare state at the end. */
    private static void linger() throws InterruptedException {
        double seconds = Double.parseDouble(System.getProperty("samples.linger", "0"));
        if (seconds > 0) {
            System.out.println("samples: lingering");
            System.out.flush();
            Thread.sleep((long) (seconds * 1000));
        }
    }

    private static long count(String arg, long otherwise) {
        return arg == null ? otherwise : Long.parseLong(arg);
    }

    /**
     * Counted workloads: exactly {@code count} operations on their thread, then idle until the deadline (so that a
     * profiler given a duration sees the end); the line printed is the truth.
     */
    private static void runCounted(long deadline, Workloads.Workload w, long count) throws InterruptedException {
        Thread t = new Thread(() -> w.runTimes(count), w.threadName());
        t.start();
        t.join();
        System.out.println(w.threadName() + ": " + w.operations() + " operations, cpu " + w.cpuNanos() / 1_000_000
                + " ms");
        System.out.println(w.threadName() + ": counted operations took " + w.wallNanos() / 1000 + " us wall, "
                + w.cpuNanos() / 1000 + " us cpu");
        if (w.threadName().equals("writer")) {
            System.out.println("writer: " + WARM_UP_WRITES + " warm-up writes of " + 2 * Workloads.RECORD_BYTES
                    + " bytes, then " + count + " of " + Workloads.RECORD_BYTES);
        }
        System.out.flush();
        Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
    }

    private static void run(long deadline, Workloads.Workload... workloads) throws InterruptedException {
        // -Dsamples.warmup=SECONDS: work that long before counting (the work's end moves as much), then say
        // "samples: measuring": to measure a profiler once it is warm.
        long start = System.nanoTime();
        long countFrom = start + (long) (Double.parseDouble(System.getProperty("samples.warmup", "0")) * 1e9);
        long end = deadline + countFrom - start;
        List<Thread> threads = new ArrayList<>();
        // -Dsamples.depth=N: each thread works N calls deep, as in applications with deep stacks.
        int depth = Integer.getInteger("samples.depth", 0);
        for (Workloads.Workload w : workloads) {
            Thread t = new Thread(() -> Workloads.atDepth(depth, () -> w.runUntil(countFrom, end)),
                    w.threadName());
            threads.add(t);
            t.start();
        }
        if (countFrom > start) {
            Thread.sleep(Math.max(0, (countFrom - System.nanoTime()) / 1_000_000));
            System.out.println("samples: measuring");
            System.out.flush();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (Workloads.Workload w : workloads) {
            if (workloads.length <= 4) {
                System.out.println(w.threadName() + ": " + w.operations() + " operations, cpu "
                        + w.cpuNanos() / 1_000_000 + " ms");
            }
        }
        if (workloads.length > 4) {
            long total = 0;
            for (Workloads.Workload w : workloads) {
                total += w.operations();
            }
            System.out.println("threads: " + workloads.length + " threads, " + total + " operations");
        }
    }
}

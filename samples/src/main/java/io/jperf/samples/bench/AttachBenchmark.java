package io.jperf.samples.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Attaching to a running JVM: how long the jperf command takes the first time (attach, agent start, control socket)
 * and later (the socket only), and the longest stall an application thread sees meanwhile, measured inside the
 * target (the {@code pauses} workload) against a run without jperf:
 * <pre>
 * java -cp samples/target/jperf-samples.jar io.jperf.samples.bench.AttachBenchmark [--java JAVA_HOME] [--runs 3]
 * </pre>
 */
public final class AttachBenchmark {
    private static final Pattern STALL = Pattern.compile("longest stall ([0-9.]+) ms at ([0-9.]+) s");

    private AttachBenchmark() {
    }

    public static void main(String[] argv) throws Exception {
        Bench b = new Bench(argv);
        int runs = b.intArg("--runs", 3);
        System.out.println("jperf attach benchmark, java " + b.javaHome);
        List<String> baseline = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            Process p = b.start(List.of(), "pauses", "8");
            baseline.add(stall(Bench.output(p)));
        }
        System.out.println("   no attach: longest stall per run " + baseline);
        for (int r = 0; r < runs; r++) {
            Process p = b.start(List.of(), "pauses", "14");
            StringBuffer rest = new StringBuffer();
            List<String> head = Bench.awaitLines(p, "samples: pauses running", rest);
            String pid = head.get(head.size() - 1).replaceAll(".* ", "");
            Thread.sleep(3000);
            double first = timed(b, "status", "-p", pid);
            double second = timed(b, "status", "-p", pid);
            double perfmap = timed(b, "perfmap", "-p", pid);
            double record = timed(b, "record", "-p", pid, "-d", "2", "-i", "1ms", "-o",
                    System.getProperty("java.io.tmpdir") + "/jperf-attach-bench.collapsed");
            p.waitFor();
            Thread.sleep(200);
            String out = rest.toString();
            System.out.printf(Locale.ROOT, "   run %d: first command %.0f ms, later %.0f ms, perfmap %.0f ms, record -d 2"
                    + " %.0f ms; target's longest stall %s%n", r + 1, first, second, perfmap, record, stall(out));
        }
    }

    private static double timed(Bench b, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(b.java(), "-jar", b.jperf.toString()));
        cmd.addAll(List.of(args));
        long begin = System.nanoTime();
        Bench.run(cmd);
        return (System.nanoTime() - begin) / 1e6;
    }

    private static String stall(String output) {
        Matcher m = STALL.matcher(output);
        return m.find() ? m.group(1) + " ms (at " + m.group(2) + " s)" : "?";
    }
}

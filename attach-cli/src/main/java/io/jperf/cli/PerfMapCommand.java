package io.jperf.cli;

import io.jperf.attach.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** jperf perfmap: Java symbols for external perf, in a JVM that is already running. */
@Command(name = "perfmap", mixinStandardHelpOptions = true,
        description = {"Keep /tmp/perf-PID.map current in a running JVM, for perf's Java method names.",
                "perf report, perf script and perf top then show Java methods; --jitdump also writes a jitdump for"
                        + " perf inject --jit."})
final class PerfMapCommand implements Callable<Integer> {
    @Option(names = "-p", paramLabel = "PID", required = true, description = "the JVM's process id")
    long pid;

    @Option(names = "--jitdump", description = "also write jit-PID.dump for perf inject --jit")
    boolean jitdump;

    @Option(names = "--jitdump-dir", paramLabel = "DIR",
            description = "directory of the jitdump (default: $JITDUMPDIR or $HOME, under .debug/jit/)")
    Path jitdumpDir;

    @Option(names = "--stats", paramLabel = "FILE",
            description = "write JIT-symbol statistics (events, Service Thread time, write times) to FILE when the JVM"
                    + " exits")
    Path stats;

    @Option(names = "--dot", description = "dotted class names: java.lang.String.hashCode")
    boolean dot;

    @Option(names = "--sig", description = "method parameter types: java/lang/String.indexOf(int,int)")
    boolean sig;

    @Option(names = "--unfold", description = "split compiled code by inline chain: outer->inlined")
    boolean unfold;

    @Option(names = "--lines", description = "source file and line: java/lang/String.hashCode(String.java:1503)")
    boolean lines;

    @Option(names = "--ann", description = "frame kind suffixes _[j] compiled, _[i] inlined")
    boolean ann;

    @Override
    public Integer call() throws Exception {
        StringJoiner options = new StringJoiner(",");
        options.add("perfmap");
        addIf(options, jitdump, "jitdump");
        if (jitdumpDir != null) {
            options.add("jitdumpdir=" + jitdumpDir.toAbsolutePath());
        }
        if (stats != null) {
            options.add("stats=" + stats.toAbsolutePath());
        }
        addIf(options, dot, "dot");
        addIf(options, sig, "sig");
        addIf(options, unfold, "unfold");
        addIf(options, lines, "lines");
        addIf(options, ann, "ann");
        ControlClient client = ControlClient.connect(pid);
        // The agent answers once the first map is written, or with why it cannot be.
        System.out.println(Control.send(client, options.toString()).text());
        return 0;
    }

    private static void addIf(StringJoiner options, boolean set, String flag) {
        if (set) {
            options.add(flag);
        }
    }
}

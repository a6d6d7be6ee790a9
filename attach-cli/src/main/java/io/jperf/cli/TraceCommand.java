package io.jperf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** jperf trace: the JVM's system calls, as perf trace shows them, with Java thread names and stacks. */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Trace the system calls of a running JVM (-p PID) or a new one (-- java ARGS).",
                "A running one for -d seconds or until Ctrl-C, a new one until it exits: each call with duration,"
                        + " result and thread; -s for a summary."})
final class TraceCommand implements Callable<Integer> {
    @Mixin
    Subject subject;

    @Option(names = {"-s", "--summary"}, description = "per call: count, errors, total, min, avg, p50, p99, max time")
    boolean summary;

    @Option(names = "--stack", description = "the Java stack of each call")
    boolean stack;

    @Option(names = "--dot", description = "dotted Java class names in stacks")
    boolean dot;

    @Option(names = "-o", paramLabel = "FILE", description = "write the trace here instead of standard output")
    Path output;

    @Override
    public Integer call() throws Exception {
        String options = "trace" + (summary ? ",summary" : "") + (stack ? ",stack" : "") + (dot ? ",dot" : "");
        return subject.run(new Recording("trace", options, "report", output));
    }
}

package io.jperf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** jperf stat: count events in a JVM, as perf stat does, per Java thread if asked. */
@Command(name = "stat", mixinStandardHelpOptions = true,
        description = {"Count events in a running JVM (-p PID) or a new one (-- java ARGS).",
                "A running one for -d seconds or until Ctrl-C, a new one until it exits: totals and rates, per Java"
                        + " thread with --per-thread. -e 'syscalls:sys_enter_*' counts system calls by name."})
final class StatCommand implements Callable<Integer> {
    @Mixin
    Subject subject;

    @Option(names = {"-e", "--event"}, paramLabel = "EVENT", split = ",",
            description = "events to count (default: task-clock, context-switches, cpu-migrations, page-faults and,"
                    + " with a PMU, cycles, instructions, branches, branch-misses)")
    List<String> events = new ArrayList<>();

    @Option(names = "--detailed", description = "also the cache events of perf stat -d (where the PMU has them)")
    boolean detailed;

    @Option(names = "--per-thread", description = "one row per thread, by Java thread name")
    boolean perThread;

    @Option(names = "-o", paramLabel = "FILE", description = "write the counts here instead of standard output")
    Path output;

    @Override
    public Integer call() throws Exception {
        StringJoiner o = new StringJoiner(",");
        o.add("stat");
        events.forEach(e -> o.add("event=" + e));
        if (detailed) {
            o.add("detailed");
        }
        if (perThread) {
            o.add("perthread");
        }
        return subject.run(new Recording("stat", o.toString(), "report", output));
    }
}

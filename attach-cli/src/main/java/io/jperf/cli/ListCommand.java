package io.jperf.cli;

import io.jperf.perf.EventCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** jperf list: the events this machine offers, as perf list groups them. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the events of this machine: software, hardware (with a PMU), tracepoints, probes.")
final class ListCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "FILTER", description = "a glob (sched:*) or a part of the name")
    String filter;

    @Override
    public Integer call() {
        System.out.print(EventCatalog.describe(filter));
        return 0;
    }
}

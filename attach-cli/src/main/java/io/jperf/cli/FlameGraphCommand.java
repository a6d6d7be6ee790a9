package io.jperf.cli;

import io.jperf.output.OutputFormat;
import picocli.CommandLine.Command;

/** jperf flamegraph: an HTML flame graph (or collapsed stacks) of a recording. */
@Command(name = "flamegraph", mixinStandardHelpOptions = true,
        description = {"HTML flame graph of a jperf.data recording.",
                "-o FILE.collapsed writes collapsed stacks for flamegraph.pl or speedscope instead."})
final class FlameGraphCommand extends OfflineCommand {
    @Override
    OutputFormat format() {
        return OutputFormat.FLAMEGRAPH;
    }
}

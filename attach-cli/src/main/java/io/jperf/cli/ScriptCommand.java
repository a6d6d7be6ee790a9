package io.jperf.cli;

import io.jperf.output.OutputFormat;
import picocli.CommandLine.Command;

/** jperf script: every sample of a recording, like perf script. */
@Command(name = "script", mixinStandardHelpOptions = true,
        description = "Every sample of a jperf.data recording: thread, tid, time, weight, event, then its frames.")
final class ScriptCommand extends OfflineCommand {
    @Override
    OutputFormat format() {
        return OutputFormat.SCRIPT;
    }
}

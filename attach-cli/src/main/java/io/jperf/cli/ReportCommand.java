package io.jperf.cli;

import io.jperf.output.OutputFormat;
import picocli.CommandLine.Command;

/** jperf report: the text report of a recording (like perf report --stdio). */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Text report of a jperf.data recording: functions by self samples, then the call tree.",
                "With -o, the output format follows the file name (.txt, .collapsed, .html)."})
final class ReportCommand extends OfflineCommand {
    @Override
    OutputFormat format() {
        return OutputFormat.REPORT;
    }
}

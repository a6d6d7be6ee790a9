package io.jperf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * jperf record: profile a running JVM for a while ({@code -p PID}), or a JVM started for it ({@code -- java ...}),
 * into one file, like perf record.
 */
@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Profile a running JVM (-p PID) or a new one (-- java ARGS).",
                "A running one for -d seconds or until Ctrl-C, a new one until it exits; into -o FILE (default"
                        + " jperf.data; .html, .collapsed, .txt, .data)."})
final class RecordCommand implements Callable<Integer> {
    @Mixin
    Subject subject;

    @Option(names = "-o", paramLabel = "FILE", defaultValue = "jperf.data", description = "output file")
    Path output;

    @Mixin
    ProfileOptions profile;

    @Override
    public Integer call() throws Exception {
        return subject.run(new Recording("record", profile.agentOptions(), Control.formatOf(output).name, output));
    }
}

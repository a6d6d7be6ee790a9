package io.jperf.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** jperf dump: the profile so far; profiling goes on. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Write the profile of a running JVM so far (to -o here, or the JVM's --file); profiling goes on.")
final class DumpCommand implements Callable<Integer> {
    @Option(names = "-p", paramLabel = "PID", required = true, description = "the JVM's process id")
    long pid;

    @Option(names = "-o", paramLabel = "FILE", description = "write the profile here (.html, .collapsed, .txt, .data)")
    Path output;

    @Override
    public Integer call() throws Exception {
        return Transfer.run(pid, "dump", output);
    }
}

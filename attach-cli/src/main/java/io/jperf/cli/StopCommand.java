package io.jperf.cli;

import io.jperf.attach.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * jperf stop: end what jperf does in the JVM: the profile comes back to -o, or the JVM writes its --file; Java symbols
 * for perf stop being updated.
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = {"Stop profiling a running JVM, and updating its Java symbols for perf.",
                "With -o the profile is written here, format by extension; the map stays as last written, a jitdump"
                        + " is closed."})
final class StopCommand implements Callable<Integer> {
    @Option(names = "-p", paramLabel = "PID", required = true, description = "the JVM's process id")
    long pid;

    @Option(names = "-o", paramLabel = "FILE", description = "write the profile here (.html, .collapsed, .txt, .data)")
    Path output;

    @Option(names = "--profile-only", description = "keep the Java symbols for perf current")
    boolean profileOnly;

    @Override
    public Integer call() throws Exception {
        return Transfer.run(pid, profileOnly ? "stop" : "stop,nosymbols", output);
    }
}

package io.jperf.cli;

import io.jperf.attach.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** jperf status: what jperf is doing in a JVM. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "What jperf does in a running JVM: event, interval, ring mode, samples, lost, threads, uptime.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "-p", paramLabel = "PID", required = true, description = "the JVM's process id")
    long pid;

    @Override
    public Integer call() throws Exception {
        System.out.println(Control.send(ControlClient.connect(pid), "status").text());
        return 0;
    }
}

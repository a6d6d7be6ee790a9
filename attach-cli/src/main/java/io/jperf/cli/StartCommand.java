package io.jperf.cli;

import io.jperf.attach.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** jperf start: begin profiling a running JVM. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Start profiling a running JVM (attaching jperf if needed).",
                "The profile is taken with jperf dump or jperf stop, or written to --file when the JVM exits."})
final class StartCommand implements Callable<Integer> {
    @Option(names = "-p", paramLabel = "PID", required = true, description = "the JVM's process id")
    long pid;

    @Option(names = "--file", paramLabel = "PATH",
            description = "file the JVM writes at stop, at the end of --duration and at exit (%p pid, %t time)")
    Path file;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", description = "stop by itself after this long")
    String duration;

    @Option(names = "--loop", paramLabel = "TIME", description = "write --file and start afresh every period")
    String loop;

    @Mixin
    ProfileOptions profile;

    @Override
    public Integer call() throws Exception {
        String options = "start," + profile.agentOptions();
        if (file != null) {
            options += ",file=" + file.toAbsolutePath();
        }
        if (duration != null) {
            options += ",duration=" + duration;
        }
        if (loop != null) {
            options += ",loop=" + loop;
        }
        ControlClient client = ControlClient.connect(pid);
        System.out.println(Control.send(client, options.replace(",,", ",")).text());
        return 0;
    }
}

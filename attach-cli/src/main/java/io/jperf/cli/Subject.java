package io.jperf.cli;

import io.jperf.attach.Attacher;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** Whom record, stat and trace measure: a running JVM (-p PID, for -d seconds or until Ctrl-C), or -- java ARGS. */
final class Subject {
    @Option(names = "-p", paramLabel = "PID", description = "the JVM's process id")
    Long pid;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", description = "how long (default: until Ctrl-C)")
    Double seconds;

    @Parameters(paramLabel = "COMMAND", description = "java and its arguments, after --")
    List<String> command = new ArrayList<>();

    /** Runs a recording on the subject; returns the exit status. */
    int run(Recording recording) throws Exception {
        if (pid == null == command.isEmpty()) {
            throw new Attacher.AttachException("give either -p PID or -- java ARGS...");
        }
        return pid != null ? recording.running(pid, seconds) : recording.newJvm(command);
    }
}

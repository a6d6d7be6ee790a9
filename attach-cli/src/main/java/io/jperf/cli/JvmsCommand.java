package io.jperf.cli;

import io.jperf.attach.Attacher;
import io.jperf.attach.ControlClient;
import io.jperf.attach.TargetJvm;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** jperf jvms: the JVMs of this machine, and what jperf does in each. */
@Command(name = "jvms", mixinStandardHelpOptions = true,
        description = "List local JVMs: pid, main class or jar, Java version, and what jperf does there.")
final class JvmsCommand implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
        List<TargetJvm> jvms = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == ProcessHandle.current()
                        .pid()) {
                    continue;
                }
                try {
                    jvms.add(TargetJvm.of(Long.parseLong(name)));
                } catch (Attacher.AttachException e) {
                    // Not a JVM, gone, or not ours to read.
                }
            }
        }
        System.out.printf("%8s  %-10s  %-40s  %s%n", "PID", "JAVA", "MAIN", "JPERF");
        for (TargetJvm jvm : jvms) {
            System.out.printf("%8d  %-10s  %-40s  %s%n", jvm.pid, jvm.javaVersion(), shorten(jvm.mainClassOrJar()),
                    jperf(jvm));
        }
        return 0;
    }

    private static String jperf(TargetJvm jvm) {
        if (!ControlClient.listening(jvm)) {
            return "-";
        }
        try {
            return ControlClient.connect(jvm.pid).send("status").text();
        } catch (Attacher.AttachException e) {
            return "loaded (" + e.getMessage() + ")";
        }
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : "..." + s.substring(s.length() - 37);
    }
}

package io.jperf.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JDK's own perf map ({@code jcmd PID Compiler.perfmap}), the reference for jperf's. JDK 17 can only write it to
 * /tmp/perf-PID.map, over jperf's; later JDKs take a file name. The JDK writes addresses with 0x, jperf without.
 */
final class JdkMap {
    private JdkMap() {
    }

    /** The compiled Java methods of the JDK's map (its Java lines have a parameter list), by start address. */
    static Map<Long, PerfMapFile.Symbol> compiledMethods(Jdks.Jdk jdk, long pid) throws IOException, InterruptedException {
        String help = Proc.run(Duration.ofSeconds(30), jdk.jcmd().toString(), Long.toString(pid), "help",
                "Compiler.perfmap").assertOk().out();
        Path file;
        if (help.contains("filename")) {
            file = Files.createTempFile("jdk-perfmap-", ".map");
            Proc.run(Duration.ofSeconds(60), jdk.jcmd().toString(), Long.toString(pid), "Compiler.perfmap",
                    file.toString()).assertOk();
        } else {
            Proc.run(Duration.ofSeconds(60), jdk.jcmd().toString(), Long.toString(pid), "Compiler.perfmap")
                    .assertOk();
            file = Files.createTempFile("jdk-perfmap-", ".map");
            Files.copy(PerfMapFile.of(pid), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Map<Long, PerfMapFile.Symbol> compiled = new TreeMap<>();
        for (PerfMapFile.Symbol s : PerfMapFile.read(file).values()) {
            if (s.name().contains("(")) {
                compiled.put(s.start(), s);
            }
        }
        Files.delete(file);
        return compiled;
    }

    /**
     * jperf's map written afresh after the JDK wrote its own (on JDK 17 over jperf's): {@code jperf perfmap -p PID}
     * again replaces the writer, which writes the whole map at once.
     */
    static Map<Long, PerfMapFile.Symbol> oursAfter(Jdks.Jdk jdk, long pid) throws IOException, InterruptedException {
        Proc.jperf(jdk, "perfmap", "-p", Long.toString(pid)).assertOk();
        if (Files.readString(PerfMapFile.of(pid)).startsWith("0x")) {
            throw new AssertionError("jperf did not rewrite " + PerfMapFile.of(pid));
        }
        return PerfMapFile.read(PerfMapFile.of(pid));
    }
}

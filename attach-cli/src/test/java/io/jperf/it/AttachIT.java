package io.jperf.it;

import com.sun.tools.attach.VirtualMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jperf command against JVMs that are already running, and against one it starts. */
class AttachIT {
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void recordsARunningJvmIntoEveryFormat(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-record-");
        try (Target t = Target.with(jdk).jvm("-XX:+PreserveFramePointer").start("mixed", 60)) {
            Thread.sleep(1000);
            for (String name : List.of("p.html", "p.collapsed", "p.txt", "p.data")) {
                Path out = dir.resolve(name);
                Proc.Result r = Proc.jperf(jdk, "record", "-p", Long.toString(t.pid()), "-d", "3", "-i", "1ms",
                        "-o", out.toString()).assertOk();
                assertTrue(r.err().contains("jperf record: wrote " + out), r.err());
                String content = name.endsWith(".data") ? Proc.jperf(jdk, "report", "-i", out.toString())
                        .assertOk().out() : Files.readString(out);
                assertTrue(content.contains("io/jperf/samples/Workloads"), name + " has no workload frames");
            }
            Map<String, String> info = Profiles.header(Proc.jperf(jdk, "report", "-i",
                    dir.resolve("p.data").toString()).assertOk().out());
            long samples = Long.parseLong(info.get("samples"));
            assertTrue(samples > 3000, "3 s of 2 CPUs at 1 kHz: " + samples);
            assertEquals("0", info.get("lost"));
            assertTrue(t.isAlive());
            assertEquals(List.of(), BadInputIT.jperfLines(t.stderr()), "the target heard nothing from jperf");
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void startStatusDumpStopRoundTrip(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-control-");
        try (Target t = Target.with(jdk).start("hotloop", 60)) {
            String pid = Long.toString(t.pid());
            assertEquals("no profile is running", Proc.jperf(jdk, "status", "-p", pid).assertOk().out().trim());
            String started = Proc.jperf(jdk, "start", "-p", pid, "-i", "1ms", "--file",
                    dir.resolve("at-stop.txt").toString()).assertOk().out();
            assertTrue(started.startsWith("profiling cpu-clock every 1 ms, "), started);
            Thread.sleep(1500);
            String status = Proc.jperf(jdk, "status", "-p", pid).assertOk().out();
            assertTrue(status.matches("(?s)profiling cpu-clock every 1 ms, per-CPU rings \\(inherit\\), \\d+ rings?,"
                    + " \\d+ KiB, stacks dwarf, \\d+ samples, 0 lost, 0 throttled, \\d+ threads, \\d+ s.*"), status);
            Proc.Result second = Proc.jperf(jdk, "start", "-p", pid);
            assertEquals(1, second.exit());
            assertTrue(second.err().trim().startsWith("jperf: a profile is already running"), second.err());
            Path dumped = dir.resolve("dumped.collapsed");
            Proc.jperf(jdk, "dump", "-p", pid, "-o", dumped.toString()).assertOk();
            assertTrue(Files.readString(dumped).contains("Workloads.hotLoop"));
            Proc.jperf(jdk, "stop", "-p", pid).assertOk();
            assertTrue(Files.readString(dir.resolve("at-stop.txt")).startsWith("# jperf report"));
            assertEquals(1, Proc.jperf(jdk, "stop", "-p", pid).exit(), "nothing left to stop");
            assertTrue(t.isAlive());
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jperf.it.Jdks#all")
    void recordsAJvmItStarts(Jdks.Jdk jdk) throws Exception {
        Path dir = Files.createTempDirectory("jperf-record-new-");
        try {
            Path out = dir.resolve("new.collapsed");
            Proc.Result r = Proc.jperf(jdk, "record", "-i", "1ms", "-o", out.toString(), "--", jdk.java().toString(),
                    "-jar", Target.SAMPLES_JAR.toAbsolutePath().toString(), "hotloop", "2").assertOk();
            assertTrue(r.out().contains("hot-loop: "), "the program's own output comes through: " + r.out());
            assertTrue(Files.readString(out).contains("Workloads.hotLoop"));
            Proc.Result failing = Proc.jperf(jdk, "record", "-o", dir.resolve("x.data").toString(), "--",
                    jdk.java().toString(), "-jar", Target.SAMPLES_JAR.toAbsolutePath().toString(), "no-such-workload");
            assertEquals(2, failing.exit(), "record passes the program's exit status on");
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /** Twenty attach–record–detach cycles on one JVM: no crash, no leaked threads or descriptors, flat heap. */
    @Test
    void repeatedRecordingsLeaveNothingBehind() throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        Path dir = Files.createTempDirectory("jperf-cycles-");
        try (Target t = Target.with(jdk).start("idle", 300)) {
            String pid = Long.toString(t.pid());
            long[] threads = new long[20];
            long[] fds = new long[20];
            long[] heap = new long[20];
            for (int i = 0; i < 20; i++) {
                Proc.jperf(jdk, "record", "-p", pid, "-d", "0.5", "-i", "1ms", "-o", dir.resolve("c.html").toString())
                        .assertOk();
                Thread.sleep(300);
                threads[i] = count(Path.of("/proc", pid, "task"));
                fds[i] = count(Path.of("/proc", pid, "fd"));
                heap[i] = JdkMapIT.Histogram.of(jdk, t.pid()).bytes();
            }
            System.out.printf("20 cycles: threads %d -> %d, fds %d -> %d, jperf heap %d -> %d KiB%n", threads[1],
                    threads[19], fds[1], fds[19], heap[1] / 1024, heap[19] / 1024);
            assertTrue(t.isAlive());
            assertTrue(threads[19] <= threads[1] + 1, "threads grew: " + threads[1] + " -> " + threads[19]);
            assertTrue(fds[19] <= fds[1] + 2, "descriptors grew: " + fds[1] + " -> " + fds[19]);
            assertTrue(heap[19] <= heap[1] * 1.25 + 256 * 1024, "jperf's heap grew: " + heap[1] + " -> " + heap[19]);
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    @Test
    void errorsAreOneLineAndTheTargetIsUnharmed() throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        assertOneLine(Proc.jperf(jdk, "status", "-p", "999999"), "jperf: no process with PID 999999");
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            assertOneLine(Proc.jperf(jdk, "status", "-p", Long.toString(sleeper.pid())),
                    "is not a Java virtual machine");
        } finally {
            sleeper.destroyForcibly();
        }
        try (Target t = Target.with(jdk).jvm("-XX:+DisableAttachMechanism").start("hotloop", 30)) {
            assertOneLine(Proc.jperf(jdk, "record", "-p", Long.toString(t.pid()), "-d", "1"),
                    "started with -XX:+DisableAttachMechanism");
            assertTrue(t.isAlive());
        }
        try (Target t = Target.with(jdk).start("hotloop", 30)) {
            assertOneLine(Proc.jperf(jdk, "start", "-p", Long.toString(t.pid()), "-e", "cycles-of-doom"),
                    "unknown event 'cycles-of-doom'");
            assertOneLine(Proc.jperf(jdk, "start", "-p", Long.toString(t.pid()), "-i", "fast"), "bad interval 'fast'");
            assertOneLine(Proc.jperf(jdk, "record", "-p", Long.toString(t.pid()), "--bogus"), "Unknown option");
            assertTrue(t.isAlive());
            if (Proc.isRoot()) {
                assertOneLine(Proc.jperfAs("nobody", jdk, "record", "-p", Long.toString(t.pid()), "-d", "1", "-o",
                        "/tmp/jperf-nobody-" + t.pid() + ".data"),
                        "cannot inspect process " + t.pid() + " (permission denied on /proc/" + t.pid()
                                + "/maps); run jperf as the JVM's user or as root");
                assertTrue(t.isAlive());
            }
        }
    }

    /**
     * An -o where nothing can be written is refused before anything is lost: before the new JVM runs, before a
     * recording attaches, before a stop ends the profile. The reason is said in words, not as the temporary file's
     * name.
     */
    @Test
    void anUnwritableOutputIsRefusedBeforeAnythingIsLost() throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        String bad = "/proc/jperf-cannot-write-here.data";
        String line = "jperf: cannot write " + bad + ": /proc takes no new files; choose another -o";
        Proc.Result launched = Proc.jperf(jdk, "record", "-o", bad, "--", jdk.java().toString(), "-jar",
                Target.SAMPLES_JAR.toString(), "hello", "0");
        assertOneLine(launched, line);
        assertTrue(!launched.out().contains("hello"), "the JVM ran: " + launched.out());
        Path dir = Files.createTempDirectory("jperf-unwritable-");
        try (Target t = Target.with(jdk).agent("start,interval=1ms").start("hotloop", 60)) {
            String pid = Long.toString(t.pid());
            assertOneLine(Proc.jperf(jdk, "record", "-p", pid, "-d", "1", "-o", bad), line);
            assertOneLine(Proc.jperf(jdk, "stop", "-p", pid, "-o", bad), line);
            assertTrue(Proc.jperf(jdk, "status", "-p", pid).assertOk().out().startsWith("profiling cpu-clock"));
            Path good = dir.resolve("kept.collapsed");
            Proc.jperf(jdk, "stop", "-p", pid, "-o", good.toString()).assertOk();
            assertTrue(Files.readString(good).contains("Workloads.hotLoop"), "the profile was kept until the stop");
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /** Ctrl-C ends a recording without -d early, and the profile is still written. */
    @Test
    void interruptedRecordStillWrites() throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        Path dir = Files.createTempDirectory("jperf-int-");
        try (Target t = Target.with(jdk).start("hotloop", 60)) {
            String pid = Long.toString(t.pid());
            Proc.jperf(jdk, "status", "-p", pid).assertOk();
            Path out = dir.resolve("interrupted.collapsed");
            Process record = new ProcessBuilder(jdk.java().toString(), "-jar",
                    Target.JPERF_JAR.toAbsolutePath().toString(), "record", "-p", pid, "-o", out.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("record.log").toFile()).start();
            Thread.sleep(2500);
            Proc.run(Duration.ofSeconds(10), "kill", "-INT", Long.toString(record.pid()));
            assertTrue(record.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "record did not end on SIGINT");
            String log = Files.readString(dir.resolve("record.log"));
            assertTrue(log.contains("[ jperf record: wrote " + out), log);
            assertTrue(Files.readString(out).contains("Workloads.hotLoop"));
            assertEquals("no profile is running", Proc.jperf(jdk, "status", "-p", pid).assertOk().out().trim());
            assertTrue(t.isAlive());
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /**
     * Java symbols turned on by attach stay current through a recording and end with stop: the map stays as last
     * written while the JVM goes on compiling, and perfmap turns them on again.
     */
    @Test
    void perfMapLastsUntilStop() throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        try (Target t = Target.with(jdk).start("churn", 60)) {
            String pid = Long.toString(t.pid());
            Path map = PerfMapFile.of(t.pid());
            try {
                assertTrue(Proc.jperf(jdk, "perfmap", "-p", pid).assertOk().out().startsWith("Java symbols are in "));
                Proc.jperf(jdk, "record", "-p", pid, "-d", "1", "-o", "/dev/null").assertOk();
                assertTrue(Proc.jperf(jdk, "status", "-p", pid).assertOk().out().contains(map.toString()),
                        "a recording's end stopped the map");
                String stopped = Proc.jperf(jdk, "stop", "-p", pid).assertOk().out();
                assertTrue(stopped.startsWith("Java symbols for perf stopped: " + map), stopped);
                Thread.sleep(300);
                FileTime last = Files.getLastModifiedTime(map);
                Thread.sleep(2000);
                assertEquals(last, Files.getLastModifiedTime(map), "the map changed after stop");
                assertTrue(PerfMapFile.read(map).size() > 100);
                assertOneLine(Proc.jperf(jdk, "stop", "-p", pid),
                        "nothing to stop: no profile is running and no Java symbols are written");
                Proc.jperf(jdk, "perfmap", "-p", pid).assertOk();
                assertNotEquals(last, Files.getLastModifiedTime(map));
                assertTrue(t.isAlive());
            } finally {
                Files.deleteIfExists(map);
            }
        }
    }

    /** The MBean drives a profile the way the command does: start, status, dump, stop. */
    @Test
    void jmxBeanStartsDumpsAndStops() throws Exception {
        Jdks.Jdk jdk = Jdks.current();
        Path dir = Files.createTempDirectory("jperf-jmx-");
        try (Target t = Target.with(jdk).agent("jmx").start("hotloop", 60)) {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(t.pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                MBeanServerConnection server = c.getMBeanServerConnection();
                ObjectName name = new ObjectName("io.jperf:type=Profiler");
                assertEquals("no profile is running", invoke(server, name, "status"));
                Path atStop = dir.resolve("at-stop.collapsed");
                String started = invoke(server, name, "start", "interval=1ms,file=" + atStop);
                assertTrue(started.startsWith("profiling cpu-clock every 1 ms"), started);
                Thread.sleep(1500);
                Path dumped = dir.resolve("dumped.txt");
                assertEquals("written to " + dumped, invoke(server, name, "dump", dumped.toString()));
                assertTrue(Files.readString(dumped).startsWith("# jperf report"));
                assertEquals("written to " + atStop, invoke(server, name, "stop"));
                assertTrue(Files.readString(atStop).contains("Workloads.hotLoop"));
                RuntimeMBeanException nothing = assertThrows(RuntimeMBeanException.class,
                        () -> invoke(server, name, "stop"));
                assertEquals("no profile is running: nothing to stop", nothing.getCause().getMessage());
            }
            assertTrue(t.isAlive());
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    private static String invoke(MBeanServerConnection server, ObjectName name, String operation, String... args)
            throws Exception {
        String[] types = new String[args.length];
        java.util.Arrays.fill(types, String.class.getName());
        return (String) server.invoke(name, operation, args, types);
    }

    private static void assertOneLine(Proc.Result r, String expected) {
        assertNotEquals(0, r.exit(), r.out());
        List<String> lines = r.err().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("jperf: ") && lines.get(0).contains(expected), lines.get(0));
    }

    private static long count(Path dir) throws Exception {
        try (var list = Files.list(dir)) {
            return list.count();
        }
    }
}

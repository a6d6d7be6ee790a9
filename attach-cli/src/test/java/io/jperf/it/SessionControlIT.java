package io.jperf.it;

import com.sun.tools.attach.VirtualMachine;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The session's life: duration, loop, dump and status and stop over attach, and frame filters. */
class SessionControlIT {
    private static final Jdks.Jdk JDK = Jdks.current();

    @Test
    void durationStopsAndWritesWhileTheApplicationRuns() throws Exception {
        Path dir = Files.createTempDirectory("jperf-control-");
        Path file = dir.resolve("first-second.collapsed");
        try (Target t = Target.with(JDK).agent("start,interval=1ms,duration=1500ms,file=" + file)
                .start("hotloop", 6)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!Files.exists(file) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(file), "no profile after the duration");
            assertTrue(t.isAlive(), "the application must go on");
            long samples = total(file);
            assertTrue(samples > 300 && samples < 3000, "samples in 1.5 s at 1 kHz: " + samples);
            assertEquals(0, t.waitFor(Duration.ofSeconds(30)));
            assertEquals(List.of(), BadInputIT.jperfLines(t.stderr()), "nothing more at exit");
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    @Test
    void loopWritesOneFilePerPeriod() throws Exception {
        Path dir = Files.createTempDirectory("jperf-loop-");
        try (Target t = Target.with(JDK).agent("start,interval=1ms,loop=2s,file=" + dir + "/loop-%t.collapsed")
                .start("hotloop", 7)) {
            assertEquals(0, t.waitFor(Duration.ofSeconds(60)));
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.sorted().collect(Collectors.toList());
            }
            assertTrue(files.size() >= 3, "expected a file per 2 s and one at exit: " + files);
            for (Path f : files.subList(0, files.size() - 1)) {
                long samples = total(f);
                assertTrue(samples > 1000 && samples <= 4400,
                        f + ": " + samples + " samples in a 2 s period (2 CPUs, 1 kHz)");
            }
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    /** Control by attach: status, dump (profiling goes on), stop; a second start is refused. */
    @Test
    void statusDumpAndStopByAttach() throws Exception {
        Path dir = Files.createTempDirectory("jperf-attach-control-");
        try (Target t = Target.with(JDK).jvm("-XX:+EnableDynamicAgentLoading")
                .agent("start,interval=1ms,file=" + dir.resolve("final.collapsed")).start("hotloop", 8)) {
            Thread.sleep(1500);
            load(t, "status");
            load(t, "start,interval=1ms");
            load(t, "dump,file=" + dir.resolve("dumped.txt"));
            awaitFile(dir.resolve("dumped.txt"));
            assertTrue(Files.readString(dir.resolve("dumped.txt")).contains("Workloads.hotLoop"));
            load(t, "stop");
            awaitFile(dir.resolve("final.collapsed"));
            assertTrue(t.isAlive());
            Thread.sleep(500);
            List<String> lines = BadInputIT.jperfLines(t.stderr());
            assertTrue(lines.size() == 2 && lines.get(0).startsWith("jperf: profiling cpu-clock every 1 ms, ")
                    && lines.get(1).startsWith("jperf: a profile is already running ("), String.join("\n", lines));
            assertEquals(0, t.waitFor(Duration.ofSeconds(30)));
            assertFalse(t.stderr().contains("profile not written"), t.stderr());
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    @Test
    void includeAndExcludeKeepTheMatchingSamples() throws Exception {
        Path dir = Files.createTempDirectory("jperf-filter-");
        try {
            Path only = dir.resolve("loop-only.collapsed");
            Path without = dir.resolve("without-loop.collapsed");
            for (String options : List.of("include=*Workloads.hotLoop*,file=" + only,
                    "exclude=*Workloads.hotLoop*,file=" + without)) {
                try (Target t = Target.with(JDK).jvm("-XX:+PreserveFramePointer", "-Dsamples.delay=0.5")
                        .agent("start,interval=1ms," + options).start("mixed", 2)) {
                    assertEquals(0, t.waitFor(Duration.ofSeconds(60)));
                }
            }
            List<String> included = Files.readAllLines(only);
            assertTrue(!included.isEmpty() && included.stream().allMatch(l -> l.contains("Workloads.hotLoop")),
                    "include");
            List<String> excluded = Files.readAllLines(without);
            assertTrue(!excluded.isEmpty() && excluded.stream().noneMatch(l -> l.contains("Workloads.hotLoop")),
                    "exclude");
            assertTrue(excluded.stream().anyMatch(l -> l.contains("write")), "the syscall thread's writes");
        } finally {
            JitDumpIT.delete(dir);
        }
    }

    private static void load(Target t, String options) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(t.pid()));
        try {
            vm.loadAgent(Target.JPERF_JAR.toAbsolutePath().toString(), options);
        } finally {
            vm.detach();
        }
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(file), "no " + file);
    }

    private static long total(Path collapsed) throws Exception {
        return Profiles.collapsed(collapsed).stream().mapToLong(Profiles.Stack::count).sum();
    }
}

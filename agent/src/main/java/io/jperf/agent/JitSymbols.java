package io.jperf.agent;

import io.jperf.files.SafeFile;
import io.jperf.jit.CodeCacheTracker;
import io.jperf.perfmap.JitDumpWriter;
import io.jperf.perfmap.PerfMapWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Java symbols for external tools: the code cache tracker with a perf map and/or a jitdump following it, for the
 * JVM's whole life. At exit ({@link #exit}) the map is written a last time and the jitdump closed.
 */
final class JitSymbols {
    private final CodeCacheTracker tracker;
    private volatile PerfMapWriter perfMap;
    private volatile JitDumpWriter jitDump;
    private volatile Path statsFile;

    private JitSymbols(CodeCacheTracker tracker) {
        this.tracker = tracker;
    }

    static JitSymbols start(CodeCacheTracker tracker, AgentOptions options) {
        JitSymbols s = new JitSymbols(tracker);
        s.reconfigure(options);
        return s;
    }

    /** A later attach: new naming replaces the perf map writer; a jitdump is started once. */
    void reconfigure(AgentOptions options) {
        if (options.statsFile() != null) {
            statsFile = options.statsFile();
        }
        if (options.has("perfmap")) {
            if (perfMap != null) {
                tracker.removeListener(perfMap);
            }
            perfMap = newPerfMap(options);
            tracker.addListener(perfMap);
        }
        if (options.has("jitdump")) {
            if (jitDump != null) {
                Log.say("jitdump already being written to " + jitDump.file());
            } else {
                jitDump = newJitDump(options);
                if (jitDump != null) {
                    tracker.addListener(jitDump);
                }
            }
        }
    }

    /** Null once the perf map was written after {@link #reconfigure}, else why it was not. */
    String awaitPerfMap(Duration timeout) throws InterruptedException {
        return perfMap.awaitFirstWrite(timeout);
    }

    Path perfMapPath() {
        return perfMap.path();
    }

    /** What is being written, for status lines. */
    String describe() {
        PerfMapWriter map = perfMap;
        JitDumpWriter dump = jitDump;
        String text = map == null ? "" : map.path() + " (" + map.writes() + " writes)";
        if (dump != null) {
            text += (text.isEmpty() ? "" : ", ") + dump.file() + " (" + dump.loads() + " code loads)";
        }
        return text.isEmpty() ? "none" : text;
    }

    /**
     * Stops following the code cache for perf: the map is written a last time and stays, the jitdump is closed, the
     * statistics are written now.
     *
     * @return what stays behind, for the reply
     */
    String stop() {
        String left = describe();
        if (perfMap != null) {
            tracker.removeListener(perfMap);
        }
        if (jitDump != null) {
            tracker.removeListener(jitDump);
        }
        exit();
        return "Java symbols for perf stopped: " + left + " stay as last written";
    }

    /** At JVM exit, after the tracker stopped (map written a last time, jitdump closed): statistics if asked for. */
    void exit() {
        Path file = statsFile;
        if (file != null) {
            try {
                SafeFile.replace(file, out -> out.write(statistics().getBytes(StandardCharsets.UTF_8)));
            } catch (IOException | RuntimeException e) {
                Log.say("cannot write statistics to " + file + ": " + e.getMessage());
            }
        }
    }

    /** One "name: value" line each; times in microseconds. */
    String statistics() {
        CodeCacheTracker.Stats s = tracker.stats();
        StringBuilder sb = new StringBuilder();
        line(sb, "jit_events", s.events());
        line(sb, "jit_events_dropped", s.dropped());
        line(sb, "callback_failures", s.callbackFailures());
        line(sb, "unresolved_methods", s.unresolvedMethods());
        line(sb, "unloaded_before_named", s.goneMethods());
        line(sb, "class_rescans", s.classRescans());
        line(sb, "live_blobs", s.liveBlobs());
        line(sb, "retained_blobs", s.retainedBlobs());
        line(sb, "first_replay_us", s.firstReplay() < 0 ? -1 : s.firstReplay() / 1000);
        line(sb, "service_thread_events", s.serviceEvents());
        line(sb, "service_thread_p50_us", s.serviceP50() / 1000.0);
        line(sb, "service_thread_p99_us", s.serviceP99() / 1000.0);
        line(sb, "service_thread_max_us", s.serviceMax() / 1000.0);
        PerfMapWriter map = perfMap;
        if (map != null) {
            line(sb, "perfmap_writes", map.writes());
            line(sb, "perfmap_last_write_us", map.lastWriteNanos() / 1000);
        }
        JitDumpWriter dump = jitDump;
        if (dump != null) {
            line(sb, "jitdump_loads", dump.loads());
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, Object value) {
        sb.append(name).append(": ").append(value).append('\n');
    }

    private static PerfMapWriter newPerfMap(AgentOptions options) {
        return new PerfMapWriter(PerfMapWriter.defaultPath(ProcessHandle.current().pid()), options.nameStyle(),
                Log::say);
    }

    private static JitDumpWriter newJitDump(AgentOptions options) {
        try {
            JitDumpWriter w = JitDumpWriter.open(options.jitdumpDir(), options.nameStyle(), Log::say);
            Log.say("writing jitdump " + w.file() + " (record with: perf record -k mono; then perf inject --jit)");
            return w;
        } catch (IOException | RuntimeException e) {
            Log.say("cannot write a jitdump: " + e.getMessage() + "; choose a writable directory with jitdumpdir=DIR");
            return null;
        }
    }
}

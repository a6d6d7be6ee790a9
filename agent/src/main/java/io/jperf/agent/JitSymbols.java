package io.jperf.agent;

import io.jperf.jit.CodeCacheTracker;
import io.jperf.jit.CodeListener;
import io.jperf.jvmti.JvmtiException;
import io.jperf.perfmap.JitDumpWriter;
import io.jperf.perfmap.PerfMapWriter;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * Java symbols for external tools: the code cache tracker with a perf map and/or a jitdump following it, for the
 * JVM's whole life. At exit the map is written a last time and the jitdump closed.
 */
final class JitSymbols {
    private final CodeCacheTracker tracker;
    private PerfMapWriter perfMap;
    private JitDumpWriter jitDump;

    private JitSymbols(CodeCacheTracker tracker) {
        this.tracker = tracker;
    }

    static JitSymbols start(Instrumentation inst, AgentOptions options) throws JvmtiException {
        List<CodeListener> writers = new ArrayList<>();
        PerfMapWriter map = options.has("perfmap") ? newPerfMap(options) : null;
        JitDumpWriter dump = options.has("jitdump") ? newJitDump(options) : null;
        if (map != null) {
            writers.add(map);
        }
        if (dump != null) {
            writers.add(dump);
        }
        CodeCacheTracker tracker;
        try {
            tracker = CodeCacheTracker.start(inst::getAllLoadedClasses, Log::say, writers.toArray(new CodeListener[0]));
        } catch (JvmtiException e) {
            throw new IllegalStateException("cannot follow JIT-compiled code: " + e.getMessage(), e);
        }
        JitSymbols s = new JitSymbols(tracker);
        s.perfMap = map;
        s.jitDump = dump;
        Thread hook = new Thread(tracker::stop, "jperf-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        return s;
    }

    /** A later attach: new naming replaces the perf map writer; a jitdump is started once. */
    void reconfigure(AgentOptions options) {
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

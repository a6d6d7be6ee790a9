package io.jperf.cli;

import io.jperf.attach.Attacher;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** What to profile and how to name it, in perf's spellings, turned into agent options. */
final class ProfileOptions {
    @Option(names = {"-e", "--event"}, paramLabel = "EVENT", split = ",",
            description = "events to sample, each its own section (default cpu; 'jperf list' shows them)")
    List<String> events = new ArrayList<>();

    @Option(names = "--filter", paramLabel = "EXPR",
            description = "tracepoint filter in the kernel's syntax, for every tracepoint sampled: 'count > 0'")
    String filter;

    @Option(names = {"-F", "--freq"}, paramLabel = "HZ", description = "samples per second")
    Long freq;

    @Option(names = {"-c", "--count"}, paramLabel = "PERIOD",
            description = "sample every PERIOD events (nanoseconds for cpu-clock and task-clock)")
    Long count;

    @Option(names = {"-i", "--interval"}, paramLabel = "TIME", description = "sampling period with units: 1ms, 500us")
    String interval;

    @Option(names = "-g", description = "record callchains (always on; accepted for perf's sake)")
    boolean callchains;

    @Option(names = {"-t", "--threads"}, description = "one stack per thread")
    boolean threads;

    @Option(names = "--include", paramLabel = "PATTERN", description = "keep samples with a frame matching (* wildcards)")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "drop samples with a frame matching")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--rings", paramLabel = "MODE", description = "auto (default), cpu or thread")
    String rings;

    @Option(names = "--cstack", paramLabel = "MODE",
            description = "user stacks: auto (default: dwarf, or fp when an event is recorded at every occurrence), fp"
                    + " (frame pointers) or dwarf (stack copies unwound by DWARF CFI and HotSpot's frame layout)")
    String cstack;

    @Option(names = "--stack-copy", paramLabel = "BYTES",
            description = "bytes of user stack each sample copies with dwarf (default 16k; 512 to 65528)")
    String stackCopy;

    @Option(names = "--dot", description = "dotted Java class names")
    boolean dot;

    @Option(names = "--sig", description = "Java method parameter types")
    boolean sig;

    @Option(names = "--lines", description = "Java source lines")
    boolean lines;

    /** The agent options (after "start"). */
    String agentOptions() throws Attacher.AttachException {
        StringJoiner o = new StringJoiner(",");
        events.forEach(e -> o.add("event=" + e));
        if (filter != null) {
            o.add("filter=" + checked(filter, "--filter"));
        }
        if (freq != null) {
            o.add("freq=" + freq);
        }
        if (count != null) {
            o.add("interval=" + count);
        }
        if (interval != null) {
            o.add("interval=" + interval);
        }
        if (threads) {
            o.add("threads");
        }
        include.forEach(p -> o.add("include=" + p));
        exclude.forEach(p -> o.add("exclude=" + p));
        if (cstack != null) {
            o.add("cstack=" + cstack);
        }
        if (stackCopy != null) {
            o.add("stackcopy=" + stackCopy);
        }
        if (rings != null) {
            o.add("rings=" + rings);
        }
        if (dot) {
            o.add("dot");
        }
        if (sig) {
            o.add("sig");
        }
        if (lines) {
            o.add("lines");
        }
        return o.toString();
    }

    /** Agent options are separated by commas, so a value cannot hold one. */
    static String checked(String value, String option) throws Attacher.AttachException {
        if (value.contains(",")) {
            throw new Attacher.AttachException(option + " cannot contain a comma: '" + value + "'");
        }
        return value;
    }
}

package io.jperf.perf;

import io.jperf.linux.Libc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The events this kernel and machine offer, grouped as {@code perf list} groups them: software events, hardware and
 * cache events (each tried, so only those the PMU has are listed), tracepoints from tracefs, and whether user and
 * kernel probes can be made. What is missing is said, with the reason.
 */
public final class EventCatalog {
    private EventCatalog() {
    }

    /**
     * The list as text.
     *
     * @param filter a glob ({@code sched:*}) or a substring, or null for everything
     */
    public static String describe(String filter) {
        Predicate<String> shown = filter == null || filter.isBlank() ? n -> true
                : filter.contains("*") ? EventSpec.glob(filter).asMatchPredicate() : n -> n.contains(filter);
        StringBuilder out = new StringBuilder("\nList of events of this machine (for -e EVENT and event=EVENT)\n\n");
        String hardwareMissing = null;
        for (EventSpec.Kind kind : List.of(EventSpec.Kind.SOFTWARE, EventSpec.Kind.HARDWARE,
                EventSpec.Kind.HW_CACHE)) {
            int listed = 0;
            for (EventSpec e : EventSpec.predefined()) {
                if (e.kind() != kind || !shown.test(e.name())) {
                    continue;
                }
                if (kind != EventSpec.Kind.SOFTWARE) {
                    if (hardwareMissing != null) {
                        break;
                    }
                    String why = tryOpen(e);
                    if (why != null) {
                        if (e.name().equals("cycles")) {
                            hardwareMissing = why;
                        }
                        continue;
                    }
                }
                List<String> names = new ArrayList<>(List.of(e.name()));
                names.addAll(EventSpec.aliasesOf(e));
                line(out, String.join(" OR ", names), kind.label);
                listed++;
            }
            if (listed > 0) {
                out.append('\n');
            }
        }
        if (hardwareMissing != null) {
            out.append("  (no hardware events: ").append(hardwareMissing).append(")\n\n");
        }
        tracepoints(out, shown);
        probe(out, "uprobe:/PATH/lib.so:SYMBOL[%return]", EventSpec.Kind.UPROBE, EventSpec.uprobesMissing());
        probe(out, "kprobe:FUNCTION[%return]", EventSpec.Kind.KPROBE, EventSpec.kprobesMissing());
        return out.toString();
    }

    private static void tracepoints(StringBuilder out, Predicate<String> shown) {
        TraceFs fs;
        try {
            fs = TraceFs.find();
        } catch (PerfException e) {
            out.append("  (no tracepoints: ").append(e.getMessage()).append(")\n\n");
            return;
        }
        int listed = 0;
        for (String system : fs.systems()) {
            for (String event : fs.events(system)) {
                String name = system + ":" + event;
                if (shown.test(name)) {
                    line(out, name, EventSpec.Kind.TRACEPOINT.label);
                    listed++;
                }
            }
        }
        if (listed > 0) {
            out.append('\n');
        }
    }

    private static void probe(StringBuilder out, String form, EventSpec.Kind kind, String missing) {
        line(out, form, kind.label + (missing == null ? ": available" : ": not available"));
        if (missing != null) {
            out.append("      ").append(missing).append('\n');
        }
    }

    private static void line(StringBuilder out, String name, String label) {
        out.append(String.format(Locale.ROOT, "  %-50s [%s]%n", name, label));
    }

    /**
     * Checks that an event can be opened here, by counting it for this thread a moment (user space only): the
     * command checks the events of {@code -- java} before it starts the JVM.
     */
    public static void check(EventSpec e) throws PerfException {
        String why = tryOpen(e);
        if (why != null) {
            throw new PerfException(why, 0);
        }
    }

    /** Null when the event opens for this thread (user space, counting), else why not. */
    private static String tryOpen(EventSpec e) {
        try (PerfEvent event = PerfEvent.open(PerfEvent.Attr.counter(e, false, false).encode(), Libc.gettid(), -1)) {
            return null;
        } catch (PerfException ex) {
            return ex.getMessage();
        }
    }
}

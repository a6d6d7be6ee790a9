package io.jperf.output;

import io.jperf.perfmap.NameStyle;
import io.jperf.profile.DataFile;
import io.jperf.profile.Profile;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The output formats and how a file name picks one: {@code .html} flame graph, {@code .collapsed}/{@code .folded}
 * collapsed stacks, {@code .txt} text report, {@code .data} jperf data file; anything else is collapsed.
 */
public enum OutputFormat {
    FLAMEGRAPH("flamegraph", ".html"),
    COLLAPSED("collapsed", ".collapsed"),
    REPORT("report", ".txt"),
    DATA("data", ".data"),
    SCRIPT("script", ".script");

    public final String name;
    public final String extension;

    OutputFormat(String name, String extension) {
        this.name = name;
        this.extension = extension;
    }

    /** By {@code format=} name ({@code html} is a flame graph too); null when unknown. */
    public static OutputFormat named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("html")) {
            return FLAMEGRAPH;
        }
        if (n.equals("folded")) {
            return COLLAPSED;
        }
        for (OutputFormat f : values()) {
            if (f.name.equals(n)) {
                return f;
            }
        }
        return null;
    }

    public static OutputFormat ofFile(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        if (n.endsWith(".html") || n.endsWith(".htm")) {
            return FLAMEGRAPH;
        }
        if (n.endsWith(".txt")) {
            return REPORT;
        }
        if (n.endsWith(".data") || n.endsWith(".jperf")) {
            return DATA;
        }
        if (n.endsWith(".script")) {
            return SCRIPT;
        }
        return COLLAPSED;
    }

    /** Whether the profile must keep every sample for this format. */
    public boolean needsSamples() {
        return this == DATA || this == SCRIPT;
    }

    /**
     * Writes a profile (whose first level is threads); {@code threads} keeps that level in the stacks, otherwise
     * the threads' stacks are merged.
     */
    public void write(Profile profile, NameStyle style, boolean threads, String title, OutputStream stream)
            throws IOException {
        if (this == DATA) {
            DataFile.write(profile, style, stream);
            return;
        }
        Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
        Profile shown = threads || this == SCRIPT ? profile : profile.withoutThreads();
        switch (this) {
            case FLAMEGRAPH:
                FlameGraph.write(shown, style, title, out);
                break;
            case REPORT:
                TextReport.write(shown, style, out);
                break;
            case SCRIPT:
                Script.write(shown, style, out);
                break;
            default:
                Collapsed.write(shown, style, out);
        }
        out.flush();
    }
}

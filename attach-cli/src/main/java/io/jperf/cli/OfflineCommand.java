package io.jperf.cli;

import io.jperf.output.OutputFormat;
import io.jperf.perfmap.NameStyle;
import io.jperf.profile.DataFile;
import io.jperf.profile.Profile;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** report, script and flamegraph: a recorded jperf.data turned into an output, offline. */
abstract class OfflineCommand implements Callable<Integer> {
    /** Names were made when recording; the style only decides the suffixes, which are in the names already. */
    private static final NameStyle AS_RECORDED = NameStyle.DEFAULT;

    @Option(names = "-i", paramLabel = "FILE", defaultValue = "jperf.data",
            description = "the data file (default: jperf.data)")
    Path input;

    @Option(names = "-o", paramLabel = "FILE", description = "write to FILE instead of standard output")
    Path output;

    @Option(names = "--threads", description = "one stack per thread (thread names as root frames)")
    boolean threads;

    /** The format when no -o file name decides. */
    abstract OutputFormat format();

    @Override
    public Integer call() throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(input);
        } catch (NoSuchFileException e) {
            System.err.println("jperf: no such file: " + input);
            return 1;
        } catch (FileSystemException e) {
            // The JDK names the file, or gives the reason alone: say both.
            System.err.println("jperf: cannot read " + input + ": " + (e instanceof AccessDeniedException
                    ? "permission denied" : e.getReason() != null ? e.getReason() : e.getMessage()));
            return 1;
        } catch (IOException e) {
            System.err.println("jperf: cannot read " + input + ": " + e.getMessage());
            return 1;
        }
        Profile profile;
        try {
            profile = DataFile.read(data);
        } catch (DataFile.CorruptException e) {
            System.err.println("jperf: cannot read " + input + ": " + e.getMessage());
            return 1;
        }
        OutputFormat format = output == null || this instanceof ScriptCommand ? format()
                : Control.formatOf(output);
        if (format == OutputFormat.DATA) {
            format = format();
        }
        String title = "jperf " + profile.info().getOrDefault("event", "") + " profile, pid "
                + profile.info().getOrDefault("pid", "?");
        if (output == null) {
            OutputStream out = new BufferedOutputStream(System.out);
            format.write(profile, AS_RECORDED, threads, title, out);
            out.flush();
        } else {
            OutputFormat chosen = format;
            Control.write(output, out -> {
                OutputStream buffered = new BufferedOutputStream(out);
                chosen.write(profile, AS_RECORDED, threads, title, buffered);
                buffered.flush();
            });
        }
        return 0;
    }
}

package io.jperf.cli;

import io.jperf.attach.Attacher;
import io.jperf.attach.ControlClient;
import io.jperf.files.SafeFile;
import io.jperf.output.OutputFormat;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the control verbs share: sending a request and reporting its answer the jperf way. */
final class Control {
    private Control() {
    }

    /** Sends a request; prints the agent's notes; a failure becomes one jperf line. */
    static ControlClient.Answer send(ControlClient client, String options) throws Attacher.AttachException {
        ControlClient.Answer answer = client.send(options);
        for (String note : answer.notes()) {
            System.err.println("jperf: " + note);
        }
        if (!answer.ok()) {
            throw new Attacher.AttachException(answer.error());
        }
        return answer;
    }

    /** The format of a local output file, by its name (the root has none: it is refused as a directory). */
    static OutputFormat formatOf(Path output) {
        Path name = output.getFileName();
        return OutputFormat.ofFile(name == null ? "" : name.toString());
    }

    /**
     * Fails now where {@code output} cannot be written (its directories are made first): before a recording or a
     * stop, whose result would otherwise be lost at the end.
     */
    static void checkWritable(Path output) throws IOException {
        try {
            createParent(output);
            SafeFile.checkWritable(output);
        } catch (IOException e) {
            throw new IOException(cannotWrite(output, e), e);
        }
    }

    /** Writes a result as the agent writes its own: atomically, never through a link to a file. */
    static void write(Path output, SafeFile.Content content) throws IOException {
        try {
            createParent(output);
            SafeFile.replace(output, content);
        } catch (IOException e) {
            throw new IOException(cannotWrite(output, e), e);
        }
    }

    private static void createParent(Path output) throws IOException {
        Path parent = output.toAbsolutePath().getParent();
        if (parent == null) {
            return; // the root: refused as a directory
        }
        try {
            Files.createDirectories(parent);
        } catch (FileSystemException e) {
            // The JDK names only the path; the reason, when it has one, says why.
            throw new IOException("cannot create the directory " + parent
                    + (e.getReason() == null ? "" : ": " + e.getReason()), e);
        }
    }

    private static String cannotWrite(Path output, IOException e) {
        return "cannot write " + output + ": " + e.getMessage() + "; choose another -o";
    }
}

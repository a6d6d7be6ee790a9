package io.jperf.cli;

import io.jperf.attach.Attacher;
import io.jperf.attach.ControlClient;
import io.jperf.output.OutputFormat;

import java.io.IOException;
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

    /** The format name the agent knows for a local output file. */
    static String formatOf(Path output) {
        return OutputFormat.ofFile(output.getFileName().toString()).name;
    }

    static void write(Path output, byte[] bytes) throws IOException {
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(output, bytes);
    }
}

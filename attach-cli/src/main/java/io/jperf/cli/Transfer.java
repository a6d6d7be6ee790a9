package io.jperf.cli;

import io.jperf.attach.ControlClient;

import java.nio.file.Path;

/** stop and dump: the profile comes back over the control socket to a local file, or the JVM writes its own. */
final class Transfer {
    private Transfer() {
    }

    static int run(long pid, String action, Path output) throws Exception {
        ControlClient client = ControlClient.connect(pid);
        if (output == null) {
            String text = Control.send(client, action).text();
            System.out.println(text.isEmpty() ? action + " done" : text);
            return 0;
        }
        Control.checkWritable(output); // before a stop, whose profile would be lost with the write
        byte[] profile = Control.send(client, action + ",send,format=" + Control.formatOf(output).name).payload();
        Control.write(output, out -> out.write(profile));
        System.err.println("[ jperf " + action + ": wrote " + output + " (" + profile.length + " bytes) ]");
        return 0;
    }
}

package io.jperf.attach;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Talks to the jperf agent of a running JVM through its control socket, loading the agent first (by attach) when
 * the JVM has none listening. See the agent's ControlServer for the protocol.
 */
public final class ControlClient {
    private static final long SOCKET_WAIT_MILLIS = 15_000;

    private final TargetJvm target;
    private final Path socket;

    private ControlClient(TargetJvm target, Path socket) {
        this.target = target;
        this.socket = socket;
    }

    /** What the agent answered. */
    public record Answer(List<String> notes, String error, byte[] payload) {
        public boolean ok() {
            return error == null;
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** Connects to the JVM's agent, attaching it when needed. */
    public static ControlClient connect(long pid) throws Attacher.AttachException {
        TargetJvm target = TargetJvm.of(pid);
        Path socket = target.controlSocket();
        ControlClient client = new ControlClient(target, socket);
        if (client.reachable()) {
            return client;
        }
        Attacher.attach(target, "control");
        long deadline = System.currentTimeMillis() + SOCKET_WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (client.reachable()) {
                return client;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new Attacher.AttachException("jperf was loaded into JVM " + pid + " but its control socket " + socket
                + " did not open; the JVM's stderr has the reason (a line starting 'jperf: ')");
    }

    /** Whether a JVM has a jperf agent listening, without attaching. */
    public static boolean listening(TargetJvm target) {
        return new ControlClient(target, target.controlSocket()).reachable();
    }

    public TargetJvm target() {
        return target;
    }

    private boolean reachable() {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends one request (agent options) and reads the answer. */
    public Answer send(String options) throws Attacher.AttachException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            var out = Channels.newOutputStream(c);
            out.write((options + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = new BufferedInputStream(Channels.newInputStream(c));
            List<String> notes = new ArrayList<>();
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    throw new Attacher.AttachException("the jperf agent of JVM " + target.pid
                            + " closed the connection without an answer (did the JVM exit?)");
                }
                if (line.startsWith("NOTE ")) {
                    notes.add(line.substring(5));
                } else if (line.startsWith("ERROR ")) {
                    return new Answer(notes, line.substring(6), new byte[0]);
                } else if (line.startsWith("OK ")) {
                    int length = Integer.parseInt(line.substring(3).trim());
                    byte[] payload = in.readNBytes(length);
                    if (payload.length != length) {
                        throw new Attacher.AttachException("the answer of JVM " + target.pid + " was cut short");
                    }
                    return new Answer(notes, null, payload);
                } else {
                    throw new Attacher.AttachException("unexpected answer from JVM " + target.pid + ": " + line);
                }
            }
        } catch (IOException e) {
            throw new Attacher.AttachException("cannot talk to the jperf agent of JVM " + target.pid + " ("
                    + e.getMessage() + "); is the JVM still running?");
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0;) {
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }
}

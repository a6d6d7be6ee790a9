package io.jperf.agent;

import io.jperf.files.PrivateDirectory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The jperf command's way into this JVM: a Unix domain socket, {@code java.io.tmpdir/jperf-UID/PID.sock}, in a
 * directory only this user can enter, the socket itself 0600. One request per connection:
 * <pre>
 * request   one line: the options, e.g. "dump,format=flamegraph"
 * response  zero or more "NOTE text" lines (what jperf said while acting),
 *           then "OK n" and n bytes (text or a profile), or "ERROR text"
 * </pre>
 */
final class ControlServer implements AutoCloseable {
    private static final int MAX_REQUEST = 64 * 1024;

    private final ServerSocketChannel server;
    private final Path path;
    private final BiFunction<String, List<String>, Reply> handler;
    private final Thread thread;
    private volatile boolean open = true;

    private ControlServer(ServerSocketChannel server, Path path, BiFunction<String, List<String>, Reply> handler) {
        this.server = server;
        this.path = path;
        this.handler = handler;
        this.thread = new Thread(this::serve, "jperf-control-socket");
        thread.setDaemon(true);
    }

    /**
     * Opens the socket and serves it on a daemon thread.
     *
     * @param handler runs a request (its options) and answers; it may add notes to the list
     */
    static ControlServer start(BiFunction<String, List<String>, Reply> handler) throws IOException {
        Path path = socketPath();
        Files.deleteIfExists(path); // left by an earlier process with this pid
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot open the control socket " + path + ": " + e.getMessage(), e);
        }
        ControlServer s = new ControlServer(server, path, handler);
        s.thread.start();
        return s;
    }

    static Path socketPath() throws IOException {
        return PrivateDirectory.inTmp().resolve(ProcessHandle.current().pid() + ".sock");
    }

    Path path() {
        return path;
    }

    private void serve() {
        while (open) {
            try (SocketChannel client = server.accept()) {
                answer(client);
            } catch (IOException e) {
                // The client went away (or only checked that someone listens): nothing to answer.
            } catch (RuntimeException e) {
                if (open) {
                    Log.say("control connection failed: " + e);
                }
            }
        }
    }

    private void answer(SocketChannel client) throws IOException {
        String request = readLine(client);
        if (request == null) {
            return;
        }
        List<String> notes = new ArrayList<>();
        Reply reply = handler.apply(request, notes);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (String note : notes) {
            head.writeBytes(("NOTE " + note.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (reply.ok()) {
            head.writeBytes(("OK " + reply.payload().length + "\n").getBytes(StandardCharsets.UTF_8));
        } else {
            head.writeBytes(("ERROR " + reply.error().replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        }
        var out = Channels.newOutputStream(client);
        out.write(head.toByteArray());
        if (reply.ok()) {
            out.write(reply.payload());
        }
        out.flush();
    }

    /** The request line, or null when the client closed without sending one. */
    private static String readLine(SocketChannel client) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (line.size() < MAX_REQUEST) {
            one.clear();
            if (client.read(one) < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            byte b = one.get(0);
            if (b == '\n') {
                break;
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** Stops serving and removes the socket file. */
    @Override
    public void close() {
        open = false;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The JVM is going away; the next one with this pid replaces the file.
        }
    }
}

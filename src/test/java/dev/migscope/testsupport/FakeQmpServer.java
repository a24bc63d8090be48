package dev.migscope.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A scripted server on a UNIX socket for what a real QEMU on this host cannot show: VFIO devices,
 * an old QEMU, truncated or malformed output, a socket that is not QMP. It greets one client with
 * the given text, answers each command from the table (a missing one gets CommandNotFound), and
 * sends whatever the test pushes, byte for byte.
 */
public final class FakeQmpServer implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ServerSocketChannel server;
    private final Map<String, Function<JsonNode, String>> replies = new ConcurrentHashMap<>();
    private final Map<String, String> errors = new ConcurrentHashMap<>();
    private final CountDownLatch greet = new CountDownLatch(1);
    private final CountDownLatch connected = new CountDownLatch(1);
    private final List<String> received = new CopyOnWriteArrayList<>();
    private volatile SocketChannel client;
    private volatile boolean closed;

    private FakeQmpServer(ServerSocketChannel server) {
        this.server = server;
    }

    /**
     * @param greeting the first bytes sent, as they are (a QMP greeting, or anything else)
     */
    public static FakeQmpServer start(Path socket, String greeting) throws IOException {
        FakeQmpServer f = startSilent(socket, greeting);
        f.greet();
        return f;
    }

    /** A server that accepts and stays silent until {@link #greet()}: a QEMU slow to greet. */
    public static FakeQmpServer startSilent(Path socket, String greeting) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(socket));
        FakeQmpServer f = new FakeQmpServer(s);
        Thread t = new Thread(() -> f.serve(greeting), "fake qmp " + socket);
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Sends the greeting now (for a server from {@link #startSilent}). */
    public void greet() {
        greet.countDown();
    }

    /** The greeting of a QEMU of this version. */
    public static String greeting(int major, int minor, int micro) {
        return "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": " + micro + ", \"minor\": " + minor + ", \"major\": "
                + major + "}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";
    }

    /** Answers {@code command} with {@code {"return": <json>}}; the function gets the arguments. */
    public FakeQmpServer reply(String command, Function<JsonNode, String> returnJson) {
        replies.put(command, returnJson);
        return this;
    }

    public FakeQmpServer reply(String command, String returnJson) {
        return reply(command, args -> returnJson);
    }

    /** Answers {@code command} with {@code {"error": {"class": ..., "desc": ...}}}; desc is sent as JSON escapes it. */
    public FakeQmpServer error(String command, String errorClass, String desc) {
        errors.put(command, "\"error\": {\"class\": " + MAPPER.valueToTree(errorClass) + ", \"desc\": "
                + MAPPER.valueToTree(desc) + "}");
        return this;
    }

    /** Every command the client sent, in order: what migscope asked QEMU. */
    public List<String> received() {
        return List.copyOf(received);
    }

    /** Sends raw text to the client (an event line, half a JSON object, ...). */
    public void send(String raw) throws IOException, InterruptedException {
        connected.await(QemuProcess.WAIT.toSeconds(), TimeUnit.SECONDS);
        ByteBuffer b = ByteBuffer.wrap(raw.getBytes(StandardCharsets.UTF_8));
        synchronized (this) {
            while (b.hasRemaining()) {
                client.write(b);
            }
        }
    }

    /** A VFIO_MIGRATION event as qapi/vfio.json's example shows it. */
    public void vfioMigration(long seconds, long micros, String deviceId, String qomPath, String state)
            throws IOException, InterruptedException {
        send("{\"timestamp\": {\"seconds\": " + seconds + ", \"microseconds\": " + micros + "}, \"event\": "
                + "\"VFIO_MIGRATION\", \"data\": {\"device-id\": \"" + deviceId + "\", \"qom-path\": \"" + qomPath
                + "\", \"device-state\": \"" + state + "\"}}\r\n");
    }

    private void serve(String greeting) {
        try {
            client = server.accept();
            connected.countDown();
            greet.await();
            send(greeting);
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode cmd = MAPPER.readTree(line);
                String name = cmd.path("execute").asText();
                received.add(name);
                if (closed) {
                    continue; // our side is shut: read what the client still sends, answer nothing
                }
                Function<JsonNode, String> r = replies.get(name);
                String body = errors.containsKey(name) ? errors.get(name) : r == null
                        ? "\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command " + name
                                + " has not been found\"}"
                        : "\"return\": " + r.apply(cmd.path("arguments"));
                try {
                    send("{" + body + ", \"id\": " + cmd.path("id") + "}\r\n");
                } catch (IOException e) {
                    if (!closed) {
                        throw e;
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // The client went away or the test closed the server: nothing more to serve.
        }
        try {
            SocketChannel c = client;
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            // already closed
        }
    }

    /**
     * Ends the connection as QEMU exiting does: the client reads everything sent, then the end. Only
     * the sending half is shut here; the socket is closed once the client has closed its end, since
     * closing it with the client's commands unread would make the kernel reset the connection, and
     * the client could then see "Connection reset" instead of what was sent.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        greet.countDown();
        SocketChannel c = client;
        if (c != null) {
            synchronized (this) {
                try {
                    c.shutdownOutput();
                } catch (ClosedChannelException e) {
                    // the client closed first and the serving thread closed its socket
                }
            }
        }
        server.close();
    }
}

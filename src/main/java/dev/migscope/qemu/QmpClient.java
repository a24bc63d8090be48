package dev.migscope.qemu;

import dev.migscope.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.qemu.QmpError.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One QMP connection over a UNIX socket, as docs/interop/qmp-spec.rst describes it: the greeting,
 * {@code qmp_capabilities}, commands carrying an {@code id} that their reply echoes, and
 * asynchronous events arriving between replies. One reader thread parses QEMU's output; events go
 * to the consumer given at connect, on that thread, in QEMU's order, followed by {@link #closed()}.
 * What QEMU sends is bounded: one message at most {@link #MAX_MESSAGE_BYTES}, nested at most
 * {@link #MAX_NESTING} deep; past a bound the connection is dropped with a line naming it. Every
 * command's reply is awaited at most the connect timeout.
 */
public final class QmpClient implements AutoCloseable {

    /** The fix to quote when QEMU's one QMP client slot may be taken. */
    static final String SECOND_SOCKET = "a QMP socket serves one client at a time: give QEMU a second "
            + "-qmp unix:/run/migscope-VM.qmp,server=on,wait=off for migscope";

    /**
     * The largest QMP message migscope reads (16 MiB): QEMU's largest answers migscope asks for
     * (qom-list of a machine's peripherals, query-migrate) are kilobytes.
     */
    public static final int MAX_MESSAGE_BYTES = 16 << 20;
    /** How deep a QMP message may nest; QEMU's answers to migscope's queries nest four levels. */
    public static final int MAX_NESTING = 64;
    /** How long QEMU may stay silent before migscope says that it is waiting for the greeting. */
    static final Duration SAY_WAITING_AFTER = Duration.ofSeconds(2);

    private static final ObjectMapper READER = Json.mapper(StreamReadConstraints.builder()
            .maxStringLength(MAX_MESSAGE_BYTES).maxNestingDepth(MAX_NESTING).build());

    private final String socket;
    private final SocketChannel channel;
    private final Duration timeout;
    private final Consumer<QmpEvent> events;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
    private final CompletableFuture<QmpError> closed = new CompletableFuture<>();
    private volatile boolean closing;
    /** System.nanoTime() of the last bytes from QEMU, or of the reader's first read; 0 before that. */
    private volatile long heardNanos;

    private QmpClient(String socket, SocketChannel channel, Duration timeout, Consumer<QmpEvent> events) {
        this.socket = socket;
        this.channel = channel;
        this.timeout = timeout;
        this.events = events;
    }

    /**
     * Connects, reads the greeting and negotiates capabilities (none: migscope needs no OOB).
     *
     * @param timeout how long QEMU may stay silent before its greeting, and take for each reply
     * @param events  receives every asynchronous event, on the reader thread; must not block
     */
    public static QmpClient connect(Path socket, Duration timeout, Consumer<QmpEvent> events) throws QmpException {
        return connect(socket, timeout, silence -> { }, events);
    }

    /**
     * {@link #connect(Path, Duration, Consumer)}, told once when QEMU has been silent for
     * {@link #SAY_WAITING_AFTER} without greeting (a loaded host: it may still greet).
     */
    static QmpClient connect(Path socket, Duration timeout, Consumer<Duration> waiting, Consumer<QmpEvent> events)
            throws QmpException {
        String name = socket.toString();
        checkSocketFile(socket);
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new QmpException(new QmpError(Kind.NO_SOCKET, name, "cannot open a UNIX socket: " + e.getMessage()));
        }
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new QmpException(connectError(name, e));
        }
        QmpClient c = new QmpClient(name, ch, timeout, events);
        Thread reader = new Thread(c::readLoop, "qmp " + name);
        reader.setDaemon(true);
        reader.start();
        try {
            c.checkGreeting(c.awaitGreeting(waiting));
            c.call("qmp_capabilities", null);
        } catch (QmpException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static void checkSocketFile(Path socket) throws QmpException {
        String name = socket.toString();
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !Files.exists(socket)) {
            throw new QmpException(new QmpError(Kind.NO_SOCKET, name, "no such file; start QEMU with "
                    + "-qmp unix:" + name + ",server=on,wait=off"));
        }
        try {
            int mode = (Integer) Files.getAttribute(socket, "unix:mode");
            if ((mode & 0170000) != 0140000) {
                throw new QmpException(new QmpError(Kind.NOT_QMP, name, "not a socket ("
                        + (Files.isDirectory(socket) ? "a directory" : "a file") + "); give the path of QEMU's "
                        + "-qmp unix:PATH socket"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not statable (no permission on a directory on the way): connect() says why.
        }
    }

    static QmpError connectError(String name, IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Permission denied")) {
            return new QmpError(Kind.PERMISSION, name, "permission denied (EACCES): run migscope as the user QEMU "
                    + "runs as (or root), or let this user write the socket (chgrp/chmod g+rw " + name + ")");
        }
        if (m.contains("Connection refused")) {
            return new QmpError(Kind.NO_SOCKET, name, "nothing listens on it (ECONNREFUSED): the QEMU that made it "
                    + "has exited");
        }
        return new QmpError(Kind.NO_SOCKET, name, "cannot connect: " + m);
    }

    /**
     * Waits for the greeting as long as QEMU is silent for less than the timeout: the clock starts
     * when the reader first reads, so migscope's own start-up (its reader thread, Jackson's classes)
     * does not count against QEMU.
     */
    private JsonNode awaitGreeting(Consumer<Duration> waiting) throws QmpException {
        boolean told = false;
        while (true) {
            long heard = heardNanos;
            long silentNanos = heard == 0 ? 0 : System.nanoTime() - heard;
            if (silentNanos >= timeout.toNanos()) {
                throw new QmpException(new QmpError(Kind.NOT_QMP, socket, "no QMP greeting after " + timeout.toSeconds()
                        + " s of silence: not a QMP socket, or another client holds it (" + SECOND_SOCKET + "); "
                        + "on a loaded host, a longer --timeout waits longer"));
            }
            if (!told && silentNanos >= SAY_WAITING_AFTER.toNanos()) {
                told = true;
                waiting.accept(timeout);
            }
            long step = Math.min(timeout.toNanos() - silentNanos, SAY_WAITING_AFTER.toNanos() / 4);
            try {
                return greeting.get(Math.max(step, 1), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // Silent so far: look at the clock again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QmpException(new QmpError(Kind.TIMEOUT, socket, "interrupted waiting for the QMP greeting"));
            } catch (ExecutionException e) {
                throw (QmpException) e.getCause();
            }
        }
    }

    private void checkGreeting(JsonNode g) throws QmpException {
        if (!g.isObject() || !g.has("QMP")) {
            throw new QmpException(new QmpError(Kind.NOT_QMP, socket, "not a QMP socket: its first message "
                    + "is not QEMU's {\"QMP\": ...} greeting"));
        }
    }

    /** QEMU's version from the greeting: {@code {"qemu":{"major":10,"minor":0,"micro":2},"package":...}}. */
    public QemuVersion version() {
        return QemuVersion.of(greeting.getNow(Json.object()).path("QMP").path("version"));
    }

    public String socket() {
        return socket;
    }

    /** Sends a command; the future fails with a {@link QmpException} on an error reply or a lost connection. */
    public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        QmpError gone = closed.getNow(null);
        if (gone != null) {
            reply.completeExceptionally(new QmpException(gone));
            return reply;
        }
        pending.put(id, reply);
        gone = closed.getNow(null);
        if (gone != null) {
            // end() may have swept the pending replies just before this one was added.
            reply.completeExceptionally(new QmpException(gone));
        }
        ObjectNode msg = Json.object().put("execute", command);
        if (arguments != null) {
            msg.set("arguments", arguments);
        }
        msg.put("id", id);
        try {
            ByteBuffer buf = ByteBuffer.wrap((msg + "\n").getBytes(StandardCharsets.UTF_8));
            synchronized (channel) {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }
        } catch (IOException e) {
            end(new QmpError(Kind.GONE, socket, "QEMU gone: the connection broke while sending " + command + " ("
                    + e.getMessage() + ")"));
        }
        return reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((r, ex) -> pending.remove(id))
                .thenApply(r -> checked(command, r));
    }

    /** {@link #execute} and wait for the reply (at most the connect timeout). */
    public JsonNode call(String command, ObjectNode arguments) throws QmpException {
        return await(execute(command, arguments), command, this);
    }

    /** {@link #call}, its reply to be read strictly. */
    QmpReply query(String command, ObjectNode arguments) throws QmpException {
        return QmpReply.of(socket, command, call(command, arguments));
    }

    private JsonNode checked(String command, JsonNode reply) {
        JsonNode error = reply.get("error");
        if (error != null) {
            throw new QmpFailure(new QmpException(new QmpError(Kind.COMMAND, socket, command + " failed: "
                    + error.path("desc").asText("?") + " (" + error.path("class").asText("?") + ")")));
        }
        return reply.path("return");
    }

    /** Carries a QmpException through CompletableFuture's unchecked stages; unwrapped by {@link #await}. */
    private static final class QmpFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QmpFailure(QmpException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    private static JsonNode await(CompletableFuture<JsonNode> f, String what, QmpClient c) throws QmpException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException(new QmpError(Kind.TIMEOUT, c.socket, "interrupted waiting for " + what));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof QmpFailure q) {
                throw (QmpException) q.getCause();
            }
            if (cause instanceof QmpException q) {
                throw q;
            }
            if (cause instanceof TimeoutException) {
                throw new QmpException(new QmpError(Kind.TIMEOUT, c.socket, "QEMU did not answer " + what + " within "
                        + c.timeout.toSeconds() + " s"));
            }
            throw new IllegalStateException(cause);
        }
    }

    /** The error a failed {@link #execute} future carries (a lost connection, an error reply, a timeout). */
    public static QmpError errorOf(String socket, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof QmpException q) {
                return q.error();
            }
            if (t instanceof TimeoutException) {
                return new QmpError(Kind.TIMEOUT, socket, "QEMU did not answer in time");
            }
        }
        return new QmpError(Kind.GONE, socket, String.valueOf(failure));
    }

    /** Completes with why the connection ended, once it has; every event came before. */
    public CompletableFuture<QmpError> closed() {
        return closed;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        closing = true;
        end(new QmpError(Kind.GONE, socket, "detached"));
    }

    /** Ends the connection for what QEMU sent (past a bound, not what QMP documents): {@link #closed()} says why. */
    void drop(QmpError why) {
        end(why);
    }

    private void readLoop() {
        try {
            ChannelInput in = new ChannelInput(channel, this);
            MappingIterator<JsonNode> it = READER.readerFor(JsonNode.class).readValues(in);
            while (it.hasNextValue()) {
                JsonNode m = it.nextValue();
                in.valueRead();
                dispatch(m);
            }
            end(new QmpError(Kind.GONE, socket, greeting.isDone() ? "QEMU gone: it closed the connection (exited "
                    + "or was killed)" : "closed without a QMP greeting: not a QMP socket"));
        } catch (TooLong e) {
            end(pastBound("at most " + (MAX_MESSAGE_BYTES >> 20) + " MiB a message"));
        } catch (StreamConstraintsException e) {
            end(pastBound(e.getOriginalMessage()));
        } catch (JsonEOFException e) {
            end(new QmpError(greeting.isDone() ? Kind.TRUNCATED : Kind.NOT_QMP, socket, "QEMU's output ended in the "
                    + "middle of a JSON message (truncated): " + e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            end(greeting.isDone()
                    ? new QmpError(Kind.MALFORMED, socket, "QEMU sent malformed JSON, stopped following it: "
                            + e.getOriginalMessage())
                    : new QmpError(Kind.NOT_QMP, socket, "not a QMP socket: its first bytes are not JSON ("
                            + e.getOriginalMessage() + ")"));
        } catch (IOException | RuntimeException e) {
            end(new QmpError(Kind.GONE, socket, closing ? "detached" : "QEMU gone: the connection broke ("
                    + e.getMessage() + ")"));
        } catch (Error e) {
            // Ended here as well, so nobody waits on a dead reader; then rethrown: it is a bug or the JVM's end.
            end(new QmpError(Kind.GONE, socket, "stopped reading QEMU: " + e));
            throw e;
        }
    }

    private QmpError pastBound(String bound) {
        return new QmpError(Kind.LIMIT, socket, "QEMU sent a QMP message past migscope's bound (" + bound
                + "): stopped following it");
    }

    private void dispatch(JsonNode m) {
        if (!greeting.isDone()) {
            greeting.complete(m);
        } else if (m.has("event")) {
            events.accept(QmpEvent.of(m));
        } else if (m.has("id")) {
            CompletableFuture<JsonNode> reply = pending.remove(m.get("id").asLong(-1));
            if (reply != null) {
                reply.complete(m);
            }
        }
        // Replies without a known id are dropped, as the spec asks.
    }

    private void end(QmpError why) {
        if (!closed.complete(why)) {
            return;
        }
        closeQuietly(channel);
        greeting.completeExceptionally(new QmpException(why));
        pending.values().forEach(f -> f.completeExceptionally(new QmpException(why)));
        pending.clear();
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Closing a socket we are done with: nothing to report.
        }
    }

    /** More than {@link #MAX_MESSAGE_BYTES} read without a complete message. */
    private static final class TooLong extends IOException {
        private static final long serialVersionUID = 1L;

        TooLong() {
            super("QMP message longer than " + MAX_MESSAGE_BYTES + " bytes", null);
        }
    }

    /**
     * Reads the channel directly: {@code Channels.newInputStream} and a writer on another thread share
     * the channel's blocking lock, so a blocked read would stall every command. It counts the bytes
     * read since the last complete message; the parser reads ahead by a buffer, so the bound is that
     * of a message plus at most one buffer.
     */
    private static final class ChannelInput extends InputStream {
        private final SocketChannel ch;
        private final QmpClient client;
        private long sinceValue;

        ChannelInput(SocketChannel ch, QmpClient client) {
            this.ch = ch;
            this.client = client;
        }

        void valueRead() {
            sinceValue = 0;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (sinceValue > MAX_MESSAGE_BYTES) {
                throw new TooLong();
            }
            if (client.heardNanos == 0) {
                client.heardNanos = System.nanoTime();
            }
            try {
                int n;
                do {
                    n = ch.read(ByteBuffer.wrap(b, off, len));
                } while (n == 0);
                if (n > 0) {
                    client.heardNanos = System.nanoTime();
                    sinceValue += n;
                }
                return n;
            } catch (ClosedChannelException e) {
                return -1;
            }
        }
    }
}

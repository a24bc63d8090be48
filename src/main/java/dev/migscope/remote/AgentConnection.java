package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.LineReader;
import dev.migscope.protocol.Protocol;
import dev.migscope.protocol.ProtocolException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One ssh process running {@code migscope agent} on the far side: requests out, replies matched
 * to them by id, pushed lines handed to the session they name (or, for a request that has
 * pushes of its own such as an attach, to that request's). ssh's own messages (host key,
 * authentication, unreachable, connection closed) go to {@code sshMessages} line by line, as
 * ssh wrote them, control characters made visible. When the connection ends, every waiting
 * request fails with a value that names the host, and every session hears of it.
 *
 * <p>What the far side sends is bounded and checked (docs/REMOTE.md, "Bounds and timeouts"): a
 * line past {@link Protocol#MAX_LINE}, a message the protocol's decoders refuse, or silence for
 * the settings' timeout while a request waits ends the connection with one sentence naming the
 * host and why; so does anything else that goes wrong on the reading thread.
 */
final class AgentConnection implements AutoCloseable {

    /** What a session hears: its pushed lines, and the end of the connection. */
    interface Pushes {
        void pushed(JsonNode message);

        void lost(String reason);
    }

    /** Requests that run as long as their work does; the agent's {@link Protocol#ALIVE} keeps them. */
    private static final Set<String> LONG = Set.of(Protocol.SAVE, Protocol.RESUME, Protocol.CONFORM, Protocol.ATTACH);
    /** A short request (a state, a transition, an open) must be answered within this many timeouts. */
    static final int SHORT_REQUEST_TIMEOUTS = 4;
    /** ssh's own stderr lines are cut here: a line is a message, not a payload. */
    private static final int MAX_SSH_LINE = 4096;

    /** A request waiting: what completes it, when it was sent, and by when a short one must be answered. */
    private record Pending(String op, long sentNanos, long deadlineNanos, Consumer<JsonNode> reply,
            Consumer<VfioError> fail) {
    }

    private final SshTarget target;
    private final Process ssh;
    private final LineReader in;
    private final OutputStream out;
    private final Duration timeout;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Long, Pushes> sessions = new ConcurrentHashMap<>();
    /** Pushes naming a request (an attach's observations) until its reply. */
    private final Map<Long, Pushes> requests = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final ScheduledExecutorService clock;
    private final JsonNode hello;
    private final Thread sshErr;
    private volatile String lastSshLine = "";
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile Errno lostErrno = Errno.EPIPE;
    private volatile String lost;
    private volatile boolean greetingLate;
    private final CompletableFuture<String> ended = new CompletableFuture<>();

    private AgentConnection(SshTarget target, Process ssh, Duration timeout, Consumer<String> sshMessages,
            String localVersion) throws HostException {
        this.target = target;
        this.ssh = ssh;
        this.timeout = timeout;
        this.in = new LineReader(ssh.getInputStream(), Protocol.MAX_LINE);
        this.out = ssh.getOutputStream();
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "migscope-agent-clock");
            t.setDaemon(true);
            return t;
        });
        this.sshErr = new Thread(() -> forward(sshMessages), "migscope-ssh-stderr");
        sshErr.setDaemon(true);
        sshErr.start();
        try {
            this.hello = greet(localVersion);
        } catch (HostException e) {
            clock.shutdownNow();
            throw e;
        }
        long tick = Math.max(50, Math.min(1000, timeout.toMillis() / 4));
        clock.scheduleWithFixedDelay(this::checkTimes, tick, tick, TimeUnit.MILLISECONDS);
        Thread reader = new Thread(this::read, "migscope-agent-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static AgentConnection start(SshTarget target, SshSettings settings, String localVersion,
            Consumer<String> sshMessages) throws HostException {
        Process p;
        try {
            p = new ProcessBuilder(settings.argv(target)).start();
        } catch (IOException e) {
            throw new HostException(target.display() + ": cannot run " + settings.ssh() + " (" + e.getMessage()
                    + "); install the OpenSSH client (Debian/Ubuntu: openssh-client, Fedora: openssh-clients)");
        }
        try {
            return new AgentConnection(target, p, settings.timeout(), sshMessages, localVersion);
        } catch (HostException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    JsonNode hello() {
        return hello;
    }

    /** Sends one request; the future fails with a {@link VfioException} for an error reply or a lost connection. */
    CompletableFuture<JsonNode> request(String op, ObjectNode args) {
        return request(op, args, null, Function.identity());
    }

    /** The same, for a request whose pushes name it: they go to {@code pushes} until its reply. */
    CompletableFuture<JsonNode> request(String op, ObjectNode args, Pushes pushes) {
        return request(op, args, pushes, Function.identity());
    }

    /**
     * The same, its reply decoded by {@code decode} on the reading thread as it arrives: a
     * {@link ProtocolException} there ends the connection, naming the request and the field.
     */
    <T> CompletableFuture<T> request(String op, ObjectNode args, Pushes pushes, Function<JsonNode, T> decode) {
        long id = ids.incrementAndGet();
        CompletableFuture<T> f = new CompletableFuture<>();
        long now = System.nanoTime();
        long deadline = LONG.contains(op) ? Long.MAX_VALUE : now + SHORT_REQUEST_TIMEOUTS * timeout.toNanos();
        pending.put(id, new Pending(op, now, deadline, m -> f.complete(decode.apply(m)),
                e -> f.completeExceptionally(new VfioException(e))));
        if (pushes != null) {
            requests.put(id, pushes);
        }
        ObjectNode req = Json.object().put("type", Protocol.REQUEST).put("protocol", Protocol.VERSION)
                .put("id", id).put("op", op);
        req.setAll(args);
        String reason = lost;
        if (reason == null) {
            try {
                synchronized (out) {
                    out.write((Json.write(req) + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                return f;
            } catch (IOException e) {
                reason = lostReason();
            }
        }
        pending.remove(id);
        requests.remove(id);
        f.completeExceptionally(new VfioException(lostError(op, reason)));
        return f;
    }

    /** Sends one line that gets no reply (a stream chunk); fails once the connection is gone. */
    void send(ObjectNode message) throws VfioException {
        String reason = lost;
        if (reason == null) {
            try {
                synchronized (out) {
                    out.write((Json.write(message) + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                return;
            } catch (IOException e) {
                reason = lostReason();
            }
        }
        throw new VfioException(lostError(message.path("type").asText(), reason));
    }

    void register(long session, Pushes pushes) {
        sessions.put(session, pushes);
    }

    void unregister(long session) {
        sessions.remove(session);
    }

    /** Null while connected, else why not. */
    String lost() {
        return lost;
    }

    /** Completes with why, once the connection has ended (lost, or closed here), after the sessions heard it. */
    CompletableFuture<String> ended() {
        return ended;
    }

    /**
     * Ends the connection because of what the far side sent (or did not send): the first reason
     * given is the one every waiting request and session hears.
     */
    void drop(Errno errno, String reason) {
        synchronized (this) {
            if (lost != null) {
                return;
            }
            lostErrno = errno;
            lost = reason;
        }
        ssh.destroyForcibly();
    }

    /** Ends the agent by ending its stdin (it winds its sessions down), then waits for ssh. */
    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            // already closed by the far side: the agent is gone
        }
        try {
            if (!ssh.waitFor(15, TimeUnit.SECONDS)) {
                ssh.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ssh.destroy();
        }
        clock.shutdownNow();
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode greet(String localVersion) throws HostException {
        String here = "this migscope " + localVersion + " speaks agent protocol " + Protocol.VERSION;
        String fix = "install migscope " + localVersion + " on " + target.host() + " (its .deb or .rpm)";
        var late = clock.schedule(() -> {
            greetingLate = true;
            ssh.destroyForcibly();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        String first;
        try {
            first = in.readLine();
        } catch (LineReader.TooLong e) {
            first = "";
        } catch (IOException e) {
            first = null;
        }
        late.cancel(false);
        if (greetingLate) {
            throw new HostException(target.display() + ": no greeting from `migscope agent` within "
                    + seconds(timeout) + " (ssh still connecting, or the far side stuck); ssh was stopped"
                    + (lastSshLine.isEmpty() ? "" : " (its last line: " + lastSshLine + ")")
                    + "; MIGSCOPE_SSH_TIMEOUT sets the wait");
        }
        if (first == null) {
            int code = exitCode();
            if (code == 255) {
                throw new HostException(target.display() + ": ssh could not connect (exit 255): " + lastSshLine);
            }
            if (code == 127) {
                throw new HostException(target.display() + ": migscope is not installed there (the far side's "
                        + "shell found no `migscope`); " + here + "; " + fix);
            }
            throw new HostException(target.display() + ": `migscope agent` ended without a greeting (exit " + code
                    + (lastSshLine.isEmpty() ? "" : ": " + lastSshLine) + "): the migscope there is older than "
                    + "agent protocol 1; " + here + "; " + fix);
        }
        JsonNode h;
        try {
            h = Codec.parse(first);
        } catch (ProtocolException e) {
            h = null;
        }
        if (h == null || !Protocol.HELLO.equals(h.path("type").asText())) {
            throw new HostException(target.display() + ": the far side answered \"" + abbreviate(first)
                    + "\" instead of migscope's greeting (a login script that prints text breaks ssh commands); "
                    + here + "; " + fix);
        }
        int theirs = h.path("protocol").asInt();
        String version = abbreviate(h.path("migscope").asText("?"));
        if (theirs != Protocol.VERSION) {
            throw new HostException(target.display() + ": migscope " + version
                    + " there speaks agent protocol " + theirs + ", " + here + "; " + fix);
        }
        try {
            Codec.requiredText(h, "migscope");
            Codec.requiredText(h, "kernel");
        } catch (ProtocolException e) {
            throw new HostException(target.display() + ": the far side's greeting does not follow agent protocol "
                    + Protocol.VERSION + " (" + e.getMessage() + "); " + fix);
        }
        return h;
    }

    private void read() {
        try {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lastHeardNanos = System.nanoTime();
                if (!line.isBlank()) {
                    dispatch(line);
                }
            }
        } catch (LineReader.TooLong e) {
            drop(Errno.EPROTO, target.display() + ": the far side's migscope sent a line longer than "
                    + Protocol.MAX_LINE + " bytes, the protocol's bound; the connection is closed");
        } catch (ProtocolException e) {
            drop(Errno.EPROTO, target.display() + ": the far side's migscope sent " + e.getMessage()
                    + "; the connection is closed (is the migscope there a build of its own?)");
        } catch (IOException e) {
            // the connection broke: handled below like its end
        } catch (Throwable t) {
            drop(Errno.EIO, target.display() + ": reading what the far side sent failed ("
                    + VfioException.describe(t) + "); the connection is closed");
        }
        end();
    }

    /** Every waiting request and every session hears why; then {@link #ended()} completes. */
    private void end() {
        String reason;
        synchronized (this) {
            if (lost == null) {
                lost = lostReason();
            }
            reason = lost;
        }
        ssh.destroyForcibly();
        clock.shutdownNow();
        // Sessions first: a request's failure is handled knowing that its device can no longer be asked.
        sessions.values().forEach(s -> s.lost(reason));
        requests.values().forEach(r -> r.lost(reason));
        requests.clear();
        pending.values().forEach(p -> p.fail().accept(lostError(p.op(), reason)));
        pending.clear();
        ended.complete(reason);
    }

    /** One line: a reply completes its request (decoded here), a push goes to whom it names. */
    private void dispatch(String line) {
        JsonNode m = Codec.parse(line);
        String type = m.path("type").asText();
        if (Protocol.REPLY.equals(type)) {
            long id = m.path("id").asLong();
            Pending p = pending.get(id);
            if (p == null) {
                // a reply after its request timed out here: nobody waits for it
                return;
            }
            try {
                VfioError e = Codec.error(m.get("error"));
                pending.remove(id);
                requests.remove(id);
                if (e == null) {
                    p.reply().accept(m);
                } else {
                    String device = e.deviceId() == null ? null : Visible.of(e.deviceId());
                    p.fail().accept(new VfioError(e.errno(), Visible.of(e.call()), device, Visible.of(e.message())));
                }
            } catch (RuntimeException x) {
                // still waiting: the connection's end fails it with the reason
                pending.put(id, p);
                throw x instanceof ProtocolException ? new ProtocolException("its reply to " + p.op()
                        + " that this side cannot read: " + x.getMessage()) : x;
            }
            return;
        }
        if (Protocol.ALIVE.equals(type)) {
            return;
        }
        Pushes s = m.has("request") ? requests.get(m.path("request").asLong())
                : sessions.get(m.path("session").asLong());
        if (s != null) {
            try {
                s.pushed(m);
            } catch (ProtocolException x) {
                throw new ProtocolException("a " + abbreviate(type) + " that this side cannot read: "
                        + x.getMessage());
            }
        }
    }

    /**
     * The clock's tick: a short request past its deadline fails alone (its far side may still be
     * working); silence for the timeout while anything waits ends the connection.
     */
    private void checkTimes() {
        long now = System.nanoTime();
        long heard = lastHeardNanos;
        for (Map.Entry<Long, Pending> e : pending.entrySet()) {
            Pending p = e.getValue();
            if (now - Math.max(heard, p.sentNanos()) > timeout.toNanos()) {
                drop(Errno.ETIMEDOUT, target.display() + ": the far side sent nothing for " + seconds(timeout)
                        + " while " + p.op() + " waited for its reply (the network or the far side's migscope "
                        + "is stuck); the connection is closed; MIGSCOPE_SSH_TIMEOUT sets the wait");
                return;
            }
            if (now > p.deadlineNanos() && pending.remove(e.getKey(), p)) {
                requests.remove(e.getKey());
                p.fail().accept(VfioError.of(Errno.ETIMEDOUT, p.op() + " on " + target.display(), null,
                        "no reply within " + seconds(timeout.multipliedBy(SHORT_REQUEST_TIMEOUTS))
                                + " though the far side is alive; what it did is unknown: ask again (state)"));
            }
        }
    }

    private void forward(Consumer<String> sshMessages) {
        try (InputStream stream = ssh.getErrorStream()) {
            LineReader err = new LineReader(stream, MAX_SSH_LINE);
            while (true) {
                String line;
                try {
                    line = err.readLine();
                } catch (LineReader.TooLong e) {
                    err.skipLine();
                    line = "(a line of ssh's stderr longer than " + MAX_SSH_LINE + " bytes, not shown)";
                }
                if (line == null) {
                    return;
                }
                String shown = Visible.of(line);
                lastSshLine = shown.strip();
                sshMessages.accept(shown);
            }
        } catch (IOException e) {
            // ssh ended
        }
    }

    private String lostReason() {
        int code = exitCode();
        return "the connection to " + target.display() + " was lost"
                + (code >= 0 ? " (ssh exit " + code + (lastSshLine.isEmpty() ? "" : ": " + lastSshLine) + ")" : "");
    }

    private VfioError lostError(String op, String reason) {
        return VfioError.of(lostErrno, op + " on " + target.display(), null, reason
                + "; the far side's migscope closes its devices when the connection ends");
    }

    /** ssh's exit code once it has ended and its last message is read (waiting a moment), or -1 while it runs. */
    private int exitCode() {
        try {
            if (!ssh.waitFor(5, TimeUnit.SECONDS)) {
                return -1;
            }
            sshErr.join(2000);
            return ssh.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** Far-side text for one of this side's lines: cut at 80 characters, its controls made visible. */
    private static String abbreviate(String s) {
        return Visible.of(s.length() > 80 ? s.substring(0, 80) + "..." : s);
    }
}

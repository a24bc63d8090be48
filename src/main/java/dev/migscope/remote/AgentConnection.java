package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One ssh process running {@code migscope agent} on the far side: requests out, replies matched
 * to them by id, pushed lines handed to the session they name (or, for a request that has
 * pushes of its own such as an attach, to that request's). ssh's own messages (host key,
 * authentication, unreachable, connection closed) go to {@code sshMessages} line by line, as
 * ssh wrote them. When the connection ends, every waiting request fails with a value that names
 * the host, and every session hears of it.
 */
final class AgentConnection implements AutoCloseable {

    /** What a session hears: its pushed lines, and the end of the connection. */
    interface Pushes {
        void pushed(JsonNode message);

        void lost(String reason);
    }

    private final SshTarget target;
    private final Process ssh;
    private final BufferedReader in;
    private final OutputStream out;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<Long, Pushes> sessions = new ConcurrentHashMap<>();
    /** Pushes naming a request (an attach's observations) until its reply. */
    private final Map<Long, Pushes> requests = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final JsonNode hello;
    private final Thread sshErr;
    private volatile String lastSshLine = "";
    private volatile String lost;
    private final CompletableFuture<String> ended = new CompletableFuture<>();

    private AgentConnection(SshTarget target, Process ssh, Consumer<String> sshMessages, String localVersion)
            throws HostException {
        this.target = target;
        this.ssh = ssh;
        this.in = new BufferedReader(new InputStreamReader(ssh.getInputStream(), StandardCharsets.UTF_8));
        this.out = ssh.getOutputStream();
        this.sshErr = new Thread(() -> forward(sshMessages), "migscope-ssh-stderr");
        sshErr.setDaemon(true);
        sshErr.start();
        this.hello = greet(localVersion);
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
            return new AgentConnection(target, p, sshMessages, localVersion);
        } catch (HostException e) {
            p.destroy();
            throw e;
        }
    }

    JsonNode hello() {
        return hello;
    }

    /** Sends one request; the future fails with a {@link VfioException} for an error reply or a lost connection. */
    CompletableFuture<JsonNode> request(String op, ObjectNode args) {
        return request(op, args, null);
    }

    /** The same, for a request whose pushes name it: they go to {@code pushes} until its reply. */
    CompletableFuture<JsonNode> request(String op, ObjectNode args, Pushes pushes) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        if (pushes != null) {
            requests.put(id, pushes);
        }
        ObjectNode req = Json.object().put("type", Protocol.REQUEST).put("id", id).put("op", op);
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
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode greet(String localVersion) throws HostException {
        String here = "this migscope " + localVersion + " speaks agent protocol " + Protocol.VERSION;
        String fix = "install migscope " + localVersion + " on " + target.host() + " (its .deb or .rpm)";
        String first;
        try {
            first = in.readLine();
        } catch (IOException e) {
            first = null;
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
            h = Json.read(first);
        } catch (IOException e) {
            h = null;
        }
        if (h == null || !Protocol.HELLO.equals(h.path("type").asText())) {
            throw new HostException(target.display() + ": the far side answered \"" + abbreviate(first)
                    + "\" instead of migscope's greeting (a login script that prints text breaks ssh commands); "
                    + here + "; " + fix);
        }
        int theirs = h.path("protocol").asInt();
        if (theirs != Protocol.VERSION) {
            throw new HostException(target.display() + ": migscope " + h.path("migscope").asText("?")
                    + " there speaks agent protocol " + theirs + ", " + here + "; " + fix);
        }
        return h;
    }

    private void read() {
        try {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                dispatch(Json.read(line));
            }
        } catch (IOException e) {
            // the connection broke: handled below like its end
        }
        String reason = lostReason();
        lost = reason;
        // Sessions first: a request's failure is handled knowing that its device can no longer be asked.
        sessions.values().forEach(s -> s.lost(reason));
        requests.values().forEach(r -> r.lost(reason));
        requests.clear();
        pending.values().forEach(f -> f.completeExceptionally(new VfioException(lostError("request", reason))));
        pending.clear();
        ended.complete(reason);
    }

    private void dispatch(JsonNode m) {
        String type = m.path("type").asText();
        if (Protocol.REPLY.equals(type)) {
            requests.remove(m.path("id").asLong());
            CompletableFuture<JsonNode> f = pending.remove(m.path("id").asLong());
            if (f != null) {
                VfioError e = Codec.error(m.get("error"));
                if (e == null) {
                    f.complete(m);
                } else {
                    f.completeExceptionally(new VfioException(e));
                }
            }
            return;
        }
        Pushes s = m.has("request") ? requests.get(m.path("request").asLong())
                : sessions.get(m.path("session").asLong());
        if (s != null) {
            s.pushed(m);
        }
    }

    private void forward(Consumer<String> sshMessages) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(ssh.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line = err.readLine(); line != null; line = err.readLine()) {
                lastSshLine = line.strip();
                sshMessages.accept(line);
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
        return VfioError.of(Errno.EPIPE, op + " on " + target.display(), null, reason
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

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\p{Cntrl}", "?");
        return one.length() > 80 ? one.substring(0, 80) + "..." : one;
    }
}

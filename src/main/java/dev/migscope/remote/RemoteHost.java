package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import dev.migscope.protocol.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A host reached through ssh and its {@code migscope agent}: its devices, and views of the ones
 * opened there. Every device id is checked ({@link SafeName}) before it is sent.
 */
public final class RemoteHost implements AutoCloseable {

    private final SshTarget target;
    private final AgentConnection connection;

    private RemoteHost(SshTarget target, AgentConnection connection) {
        this.target = target;
        this.connection = connection;
    }

    /**
     * Runs ssh and checks the agent's greeting.
     *
     * @param sshMessages gets ssh's own messages, line by line, as ssh wrote them
     * @throws HostException ssh could not connect, migscope is missing there, or speaks another protocol
     */
    public static RemoteHost connect(SshTarget target, SshSettings settings, String localVersion,
            Consumer<String> sshMessages) throws HostException {
        return new RemoteHost(target, AgentConnection.start(target, settings, localVersion, sshMessages));
    }

    public SshTarget target() {
        return target;
    }

    /** The far side's migscope version. */
    public String farVersion() {
        return Visible.of(connection.hello().path("migscope").asText());
    }

    /** The far side's kernel release. */
    public String kernel() {
        return Visible.of(connection.hello().path("kernel").asText());
    }

    /**
     * Completes, on the connection's reader thread, with why once the connection has ended: lost
     * (network, sshd, the far side gone) or closed here. Each open view is gone by then.
     */
    public CompletableFuture<String> ended() {
        return connection.ended();
    }

    /** Why the connection ended, or empty while it holds. */
    public Optional<String> lost() {
        return Optional.ofNullable(connection.lost());
    }

    /** The devices there; each id is one a command could name ({@link SafeName}), or the far side is broken. */
    public List<DeviceInfo> list(boolean sim) throws VfioException {
        return await(connection.request(Protocol.LIST, Json.object().put("sim", sim), null, r -> {
            List<DeviceInfo> devices = new ArrayList<>();
            Codec.required(r, "devices");
            for (JsonNode d : Codec.elements(r, "devices")) {
                DeviceInfo info = Codec.info(d);
                String problem = SafeName.deviceIdProblem(info.id());
                if (problem != null) {
                    throw new ProtocolException("field id: " + problem);
                }
                devices.add(info);
            }
            return devices;
        }));
    }

    /** Opens {@code id} there (or watches it, when busy and allowed); the view lives until closed. */
    public RemoteDevice open(String id, RemoteOptions o) throws VfioException {
        ObjectNode args = Json.object().put("device", checked(id, Protocol.OPEN)).put("sim", o.sim())
                .put("armed", o.armed()).put("kernel_walk", o.kernelWalk())
                .put("sample_interval_nanos", o.sampleInterval().toNanos())
                .put("precopy_max_nanos", o.precopyMax().toNanos()).put("precopy_threshold", o.precopyThreshold())
                .put("watch_if_busy", o.watchIfBusy());
        // Made on the reading thread as the reply arrives, so that no push of its session comes before it listens.
        return await(connection.request(Protocol.OPEN, args, null, r -> new RemoteDevice(this, connection, r, o)));
    }

    /** The conformance report, run there, as text or JSON. */
    public record ConformReply(String report, boolean failed) {
    }

    public ConformReply conform(String id, String peer, int repeats, long maxStreamBytes, boolean json, boolean sim)
            throws VfioException {
        ObjectNode args = Json.object().put("device", checked(id, Protocol.CONFORM)).put("sim", sim)
                .put("repeats", repeats).put("max_stream_bytes", maxStreamBytes).put("json", json);
        if (peer != null) {
            args.put("peer", checked(peer, Protocol.CONFORM));
        }
        return await(connection.request(Protocol.CONFORM, args, null,
                r -> new ConformReply(Codec.requiredText(r, "report"), Codec.bool(r, "failed"))));
    }

    /**
     * What an attach run there ended with, as the agent sent it: its reply ({@code result}), or, when
     * the connection was lost first, why ({@code lost}) with the last report pushed before
     * ({@code lastReport}, null when none had arrived). {@code qemu.AttachCodec} reads them: an
     * attach's values are qemu's, and this side only carries them.
     */
    public record AttachReply(JsonNode result, String lost, JsonNode lastReport) {
    }

    /**
     * Runs {@code migscope attach} there, on QMP sockets there (checked by the caller with
     * {@link SafeName#pathProblem}), with that host's devices. Each observation is handed to
     * {@code observer} on the connection's reader thread, in the order the far side saw them. A
     * lost connection is a reply too, with the last report that arrived.
     *
     * @param options the run's options as JSON ({@code qemu.AttachCodec})
     * @param sim     whether that host's registry always lists the simulated devices (as {@code --sim})
     * @throws VfioException the agent could not run it
     */
    public AttachReply attach(ObjectNode options, boolean sim, Consumer<JsonNode> observer) throws VfioException {
        AtomicReference<JsonNode> soFar = new AtomicReference<>();
        CompletableFuture<JsonNode> f = connection.request(Protocol.ATTACH,
                options.deepCopy().put("sim", sim), new AgentConnection.Pushes() {
                    @Override
                    public void pushed(JsonNode m) {
                        if (Protocol.OBSERVATION.equals(m.path("type").asText())) {
                            observer.accept(m.path("observation"));
                        } else if (Protocol.REPORT.equals(m.path("type").asText())) {
                            soFar.set(m.get("report"));
                        }
                    }

                    @Override
                    public void lost(String reason) {
                        // the request fails with it too, and is answered below
                    }
                });
        try {
            return new AttachReply(await(f), null, null);
        } catch (VfioException e) {
            String lost = connection.lost();
            if (lost == null) {
                throw e;
            }
            return new AttachReply(null, lost, soFar.get());
        }
    }

    /** Ends the agent (it closes what it holds open) and ssh. */
    @Override
    public void close() {
        connection.close();
    }

    static <T> T await(CompletableFuture<T> f) throws VfioException {
        return VfioException.await(f, "agent");
    }

    private String checked(String id, String op) throws VfioException {
        String problem = SafeName.deviceIdProblem(id);
        if (problem != null) {
            throw new VfioException(VfioError.of(Errno.EINVAL, op + " on " + target.display(), null, problem));
        }
        return id;
    }
}

package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.host.Host;
import dev.migscope.json.Json;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.QemuReport;
import dev.migscope.remote.protocol.AttachCodec;
import dev.migscope.remote.protocol.Codec;
import dev.migscope.remote.protocol.Protocol;
import dev.migscope.session.SessionOptions;
import dev.migscope.session.TransitionMode;
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
public final class RemoteHost implements Host {

    private final SshTarget target;
    private final AgentConnection connection;
    private final boolean sim;

    private RemoteHost(SshTarget target, AgentConnection connection, boolean sim) {
        this.target = target;
        this.connection = connection;
        this.sim = sim;
    }

    /**
     * Runs ssh and checks the agent's greeting.
     *
     * @param sim         whether that host always lists its simulated devices (the CLI's {@code --sim})
     * @param sshMessages gets ssh's own messages, line by line, as ssh wrote them
     * @throws HostException ssh could not connect, migscope is missing there, or speaks another protocol
     */
    public static RemoteHost connect(SshTarget target, SshSettings settings, String localVersion, boolean sim,
            Consumer<String> sshMessages) throws HostException {
        return new RemoteHost(target, AgentConnection.start(target, settings, localVersion, sshMessages), sim);
    }

    public SshTarget target() {
        return target;
    }

    @Override
    public String name() {
        return target.display();
    }

    /** The far side's migscope version. */
    @Override
    public String migscopeVersion() {
        return connection.hello().path("migscope").asText();
    }

    /** The far side's kernel release. */
    @Override
    public String kernel() {
        return connection.hello().path("kernel").asText();
    }

    @Override
    public Optional<String> lost() {
        return Optional.ofNullable(connection.lost());
    }

    /**
     * Completes, on the connection's reader thread, with why once the connection has ended: lost
     * (network, sshd, the far side gone) or closed here. Each open view is gone by then.
     */
    public CompletableFuture<String> ended() {
        return connection.ended();
    }

    @Override
    public List<DeviceInfo> devices() throws VfioException {
        JsonNode r = call(Protocol.LIST, Json.object().put("sim", sim));
        List<DeviceInfo> devices = new ArrayList<>();
        r.path("devices").forEach(d -> devices.add(Codec.info(d)));
        return devices;
    }

    /** Opens {@code id} there (or watches it, when busy and allowed); the view lives until closed. */
    @Override
    public RemoteDevice open(String id, SessionOptions o, boolean watchIfBusy) throws VfioException {
        ObjectNode args = Json.object().put("device", checked(id, Protocol.OPEN)).put("sim", sim)
                .put("armed", o.armed()).put("kernel_walk", o.mode() == TransitionMode.KERNEL)
                .put("sample_interval_nanos", o.sampleInterval().toNanos())
                .put("precopy_max_nanos", o.precopyMax().toNanos()).put("precopy_threshold", o.precopyThreshold())
                .put("watch_if_busy", watchIfBusy);
        return new RemoteDevice(this, connection, call(Protocol.OPEN, args), o);
    }

    @Override
    public ConformReply conform(String id, String peer, int repeats, long maxStreamBytes, boolean json)
            throws VfioException {
        ObjectNode args = Json.object().put("device", checked(id, Protocol.CONFORM)).put("sim", sim)
                .put("repeats", repeats).put("max_stream_bytes", maxStreamBytes).put("json", json);
        if (peer != null) {
            args.put("peer", checked(peer, Protocol.CONFORM));
        }
        JsonNode r = call(Protocol.CONFORM, args);
        return new ConformReply(r.path("report").asText(), r.path("failed").asBoolean());
    }

    /**
     * Runs {@code migscope attach} there, on QMP sockets there (checked by the caller with
     * {@link SafeName#pathProblem}), with that host's devices. Each observation is handed to
     * {@code observer} on the connection's reader thread, in the order the far side saw them. A
     * lost connection is a result, {@link AttachRun.Ending#LOST}, with the last report that arrived.
     *
     * @throws VfioException the agent could not run it
     */
    @Override
    public AttachRun.Result attach(AttachRun.Options o, Consumer<Observation> observer) throws VfioException {
        AtomicReference<JsonNode> soFar = new AtomicReference<>();
        CompletableFuture<JsonNode> f = connection.request(Protocol.ATTACH,
                AttachCodec.options(o).put("sim", sim), new AgentConnection.Pushes() {
                    @Override
                    public void pushed(JsonNode m) {
                        if (Protocol.OBSERVATION.equals(m.path("type").asText())) {
                            observer.accept(AttachCodec.observation(m.path("observation")));
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
            return AttachCodec.result(await(f));
        } catch (VfioException e) {
            String lost = connection.lost();
            if (lost == null) {
                throw e;
            }
            QemuReport last = AttachCodec.report(soFar.get());
            String why = lost + "; the far side's migscope detaches from its QEMUs and leaves them as they are";
            return new AttachRun.Result(AttachRun.Ending.LOST, why, last == null ? null : last.lost(lost));
        }
    }

    /** Ends the agent (it closes what it holds open) and ssh. */
    @Override
    public void close() {
        connection.close();
    }

    JsonNode call(String op, ObjectNode args) throws VfioException {
        return await(connection.request(op, args));
    }

    static JsonNode await(CompletableFuture<JsonNode> f) throws VfioException {
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

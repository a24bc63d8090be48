package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.DeviceListener;
import dev.migscope.view.DeviceView;
import dev.migscope.view.Listeners;
import dev.migscope.view.PrecopyInfoV2;
import dev.migscope.view.Progress;
import dev.migscope.view.StateChange;
import dev.migscope.view.StateHistory;
import dev.migscope.view.StreamResult;
import dev.migscope.view.TransitionResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A device opened on another host: the session runs there, next to the device; this view keeps
 * what the agent pushes (events, samples) and sends each change as a request whose reply is the
 * far session's own {@link TransitionResult}. When the connection ends the view is gone and keeps
 * the last state it knew; {@link #lost()} says why.
 */
public final class RemoteDevice implements DeviceView, DeviceControl {

    private final RemoteHost host;
    private final AgentConnection connection;
    private final long session;
    private final DeviceInfo info;
    private final MigFeatures features;
    private final boolean passive;
    private final boolean dmaLoggingSupported;
    private final Optional<SimulationControls> simulation;
    private final PrecopyInfoV2 precopyInfoV2;
    private final Telemetry telemetry;
    private final long startNanos = System.nanoTime();
    private final Listeners listeners = new Listeners();
    private final StateHistory history = new StateHistory();
    private volatile MigState state;
    private volatile boolean armed;
    private volatile boolean dmaLogging;
    private volatile boolean gone;
    private volatile String lost;
    private volatile boolean closed;
    private final RemoteStreams streams;

    RemoteDevice(RemoteHost host, AgentConnection connection, JsonNode opened, RemoteOptions options) {
        this.host = host;
        this.connection = connection;
        this.session = Codec.integer(opened, "session");
        this.info = Codec.info(Codec.required(opened, "info"));
        this.features = Codec.features(opened, "features");
        this.state = Codec.state(opened, "state");
        // the far session read this state at its open, its telemetry's time zero
        history.reached(0, state);
        this.passive = Codec.bool(opened, "passive");
        this.dmaLoggingSupported = Codec.bool(opened, "dma_logging_supported");
        this.dmaLogging = Codec.bool(opened, "dma_logging");
        this.simulation = Codec.bool(opened, "simulated") ? Optional.of(new RemoteSimulation(this))
                : Optional.empty();
        String v2 = Codec.text(opened, "precopy_info_v2");
        this.precopyInfoV2 = PrecopyInfoV2.fromJsonName(v2 == null ? "" : v2);
        this.armed = options.armed() && !passive;
        this.telemetry = new Telemetry(options.historyCapacity());
        this.streams = new RemoteStreams(this, connection);
        connection.register(session, new AgentConnection.Pushes() {
            @Override
            public void pushed(JsonNode m) {
                onPush(m);
            }

            @Override
            public void lost(String reason) {
                lost = reason;
            }
        });
    }

    /** The host the device is on. */
    public RemoteHost host() {
        return host;
    }

    @Override
    public String id() {
        return info.id();
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    @Override
    public MigFeatures features() {
        return features;
    }

    @Override
    public MigState state() {
        return state;
    }

    @Override
    public Telemetry telemetry() {
        return telemetry;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public void addListener(DeviceListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(DeviceListener listener) {
        listeners.remove(listener);
    }

    /** The far session's states, on the far side's telemetry clock as its samples are. */
    @Override
    public List<StateChange> stateChanges() {
        return history.list();
    }

    /** The connection to its host ended (then why, and the last state known), or the device went away there. */
    @Override
    public Optional<String> lost() {
        String why = lost;
        if (why != null) {
            return Optional.of(why + "; last known state " + state);
        }
        return gone ? Optional.of("the device is gone (ENODEV) on " + host.target().display()) : Optional.empty();
    }

    @Override
    public Optional<String> hostName() {
        return Optional.of(host.target().display());
    }

    /** True when the far side only watches the device (another process holds it). */
    @Override
    public boolean isPassive() {
        return passive;
    }

    /** None once the connection ended: every call would only fail with EPIPE; Reconnect opens a new view. */
    @Override
    public Optional<DeviceControl> control() {
        return passive || lost != null ? Optional.empty() : Optional.of(this);
    }

    @Override
    public boolean isArmed() {
        return armed;
    }

    /** Arms or disarms the far session too: a change reaches the device only when it is armed there. */
    @Override
    public void setArmed(boolean a) {
        armed = a && !passive;
        connection.request(Protocol.ARM, args().put("armed", armed));
    }

    /** GET MIG_DEVICE_STATE there, now. */
    @Override
    public CompletableFuture<MigState> refreshState() {
        return connection.request(Protocol.STATE, args(), null, r -> {
            state = Codec.enumValue(MigState.class, r, "state", true);
            return state;
        });
    }

    @Override
    public CompletableFuture<TransitionResult> transition(MigState target) {
        return changed(Protocol.TRANSITION, args().put("target", target.name()));
    }

    @Override
    public CompletableFuture<TransitionResult> reset() {
        return changed(Protocol.RESET, args());
    }

    /**
     * The save runs there as a local one; its file crosses as checked chunks into a hidden file next
     * to {@code file}, renamed into place once the total, the SHA-256 and the format check out.
     */
    @Override
    public CompletableFuture<StreamResult> save(Path file, MigState then, Progress progress, Cancellation cancel) {
        return streams.save(file, then, progress, cancel);
    }

    /** The whole file is verified here before its first byte is sent, and there again before the device sees it. */
    @Override
    public CompletableFuture<StreamResult> resume(Path file, MigState then, Progress progress, Cancellation cancel) {
        return streams.resume(file, then, progress, cancel);
    }

    /** The far side's session opened the device and says what became of the opt-in. */
    @Override
    public PrecopyInfoV2 precopyInfoV2() {
        return precopyInfoV2;
    }

    @Override
    public boolean isDmaLoggingSupported() {
        return dmaLoggingSupported;
    }

    /** As the far session last said: after a start or stop here, and with each of its events. */
    @Override
    public boolean isDmaLogging() {
        return dmaLogging;
    }

    /** DMA_LOGGING_START there; the samples then carry its dirty page rate, as a local session's do. */
    @Override
    public CompletableFuture<Optional<VfioError>> startDmaLogging(long pageSize, List<IovaRange> ranges) {
        return dmaLoggingReplied(Protocol.DMA_LOGGING_START, (ObjectNode) args().put("page_size", pageSize)
                .set("ranges", Codec.ranges(ranges)));
    }

    @Override
    public CompletableFuture<Optional<VfioError>> stopDmaLogging() {
        return dmaLoggingReplied(Protocol.DMA_LOGGING_STOP, args());
    }

    /**
     * The far device's controls when it is simulated. Each call is a round trip that blocks until
     * the far device thread has run it: call them inside {@link #simulate}, never on the FX thread.
     */
    @Override
    public Optional<SimulationControls> simulation() {
        return simulation;
    }

    /** Runs {@code action} on a thread of its own; each control it calls runs there on the device thread. */
    @Override
    public CompletableFuture<Void> simulate(Consumer<SimulationControls> action) {
        if (simulation.isEmpty()) {
            return CompletableFuture.failedFuture(new VfioException(VfioError.of(Errno.EOPNOTSUPP, "simulate", id(),
                    id() + " on " + host.target().display() + " is not a simulated device")));
        }
        return CompletableFuture.runAsync(() -> action.accept(simulation.get()), r -> {
            Thread t = new Thread(r, "migscope-remote-simulate");
            t.setDaemon(true);
            t.start();
        });
    }

    /** Closes the session there; the connection stays for the host's other devices. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        connection.unregister(session);
        if (lost == null) {
            try {
                RemoteHost.await(connection.request(Protocol.CLOSE, args()));
            } catch (VfioException e) {
                // the connection ended meanwhile: the far side closes the device itself
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    ObjectNode args() {
        return Json.object().put("session", session);
    }

    /** One round trip, its reply decoded as it arrives (a malformed one ends the connection). */
    <T> T call(String op, ObjectNode a, Function<JsonNode, T> decode) throws VfioException {
        return RemoteHost.await(connection.request(op, a, null, decode));
    }

    void setState(MigState s) {
        if (s != null) {
            state = s;
        }
    }

    private CompletableFuture<TransitionResult> changed(String op, ObjectNode a) {
        return connection.request(op, a, null, r -> {
            TransitionResult t = Codec.transition(Codec.required(r, "result"));
            setState(t.finalState());
            return t;
        });
    }

    /** The far side's answer as a local session gives it: a value, also when the request itself failed. */
    private CompletableFuture<Optional<VfioError>> dmaLoggingReplied(String op, ObjectNode a) {
        return connection.request(op, a, null, r -> {
            dmaLogging = Codec.bool(r, "dma_logging");
            return Optional.ofNullable(Codec.error(r.get("refused")));
        }).handle((refused, e) -> {
            if (e == null) {
                return refused;
            }
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return Optional.of(c instanceof VfioException v ? v.error()
                    : VfioError.of(Errno.EIO, "DMA logging", id(), VfioException.describe(c)));
        });
    }

    private void onPush(JsonNode m) {
        switch (m.path("type").asText()) {
            case Protocol.SAMPLE -> telemetry.append(Codec.sample(m));
            case Protocol.CHUNK, Protocol.PROGRESS -> streams.pushed(m);
            case Protocol.EVENT -> {
                DeviceEvent e = Codec.event(Codec.required(m, "event"));
                dmaLogging = m.hasNonNull("dma_logging") ? Codec.bool(m, "dma_logging") : dmaLogging;
                setState(e.finalState());
                Long t = Codec.number(m, "t");
                if (e.finalState() != null && t != null) {
                    history.reached(t, e.finalState());
                }
                if (e.kind() == DeviceEvent.Kind.DEVICE_GONE) {
                    gone = true;
                }
                listeners.emit(e);
            }
            default -> {
                // a push this side does not know: the protocol version says both sides know the same ones
            }
        }
    }
}

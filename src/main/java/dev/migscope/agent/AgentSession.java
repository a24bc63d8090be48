package dev.migscope.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Errno;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.remote.protocol.Codec;
import dev.migscope.remote.protocol.Protocol;
import dev.migscope.session.MigrationSession;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.TelemetrySnapshot;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One session the agent holds open for the near side: its events are pushed as they happen, its
 * samples at the sampling interval (the near side keeps its own ring buffers of them).
 */
final class AgentSession {

    private static final Metric[] ALL = Metric.values();

    private final long id;
    private final MigrationSession session;
    private final AgentOutput out;
    private final Duration interval;
    private final ScheduledExecutorService pusher;
    private long since = Long.MIN_VALUE;

    AgentSession(long id, MigrationSession session, AgentOutput out, Duration interval) {
        this.id = id;
        this.session = session;
        this.out = out;
        this.interval = interval;
        this.pusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "migscope-agent-samples-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    long id() {
        return id;
    }

    MigrationSession session() {
        return session;
    }

    /**
     * Starts pushing: after the open's reply is sent, so that the near side knows the session first.
     * Each event carries whether DMA logging is on after it: a reset or a failed report ends it here
     * without a request from the near side.
     */
    void start() {
        session.addListener(e -> out.send((ObjectNode) message(Protocol.EVENT)
                .put("dma_logging", session.isDmaLogging()).set("event", Codec.event(e))));
        pusher.scheduleAtFixedRate(this::pushSamples, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** GET MIG_DEVICE_STATE once the running call has ended (it is queued behind it); null when unknown. */
    MigState rereadState() {
        try {
            return session.refreshState().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** DMA_LOGGING_START or _STOP: the reply says whether the device refused, and whether logging is on. */
    CompletableFuture<ObjectNode> dmaLogging(JsonNode req) {
        CompletableFuture<Optional<VfioError>> call = Protocol.DMA_LOGGING_START.equals(req.path("op").asText())
                ? session.startDmaLogging(req.path("page_size").asLong(), Codec.ranges(req.path("ranges")))
                : session.stopDmaLogging();
        return call.thenApply(refused -> {
            ObjectNode o = Json.object().put("dma_logging", session.isDmaLogging());
            refused.ifPresent(e -> o.set("refused", Codec.error(e)));
            return o;
        });
    }

    /** One control of the simulated device, run on its device thread as a local simulate() runs it. */
    CompletableFuture<ObjectNode> simulate(JsonNode req) {
        String control = req.path("control").asText();
        AtomicLong digest = new AtomicLong();
        return session.simulate(c -> apply(c, control, req, digest)).thenApply(v ->
                Protocol.STATE_DIGEST.equals(control) ? Json.object().put("digest", digest.get()) : Json.object());
    }

    private static void apply(SimulationControls c, String control, JsonNode req, AtomicLong digest) {
        switch (control) {
            case Protocol.INJECT_FAULT -> c.injectFault(new Arc(MigState.valueOf(req.path("from").asText()),
                    MigState.valueOf(req.path("to").asText())), Errno.valueOf(req.path("errno").asText()),
                    req.path("leave_in_error").asBoolean());
            case Protocol.CLEAR_FAULTS -> c.clearFaults();
            case Protocol.SET_STATE_DELAY -> c.setSetStateDelay(Duration.ofNanos(req.path("nanos").asLong()));
            case Protocol.DIRTY_RATE -> c.setDirtyRate(req.path("bytes_per_second").asLong());
            case Protocol.LINK_BANDWIDTH -> c.setLinkBandwidth(req.path("bytes_per_second").asLong());
            case Protocol.UNPLUG -> c.unplug();
            case Protocol.STATE_DIGEST -> digest.set(c.stateDigest());
            default -> throw new AgentFailure(VfioError.of(Errno.EOPNOTSUPP, Protocol.SIMULATE, null,
                    "this agent (protocol " + Protocol.VERSION + ") has no simulation control \"" + control + "\""));
        }
    }

    void close() {
        pusher.shutdownNow();
        session.close();
    }

    private void pushSamples() {
        TelemetrySnapshot snap = session.telemetry().snapshot(since, ALL);
        for (int i = 0; i < snap.size(); i++) {
            Sample s = new Sample(snap.times()[i]);
            for (Metric m : ALL) {
                s.set(m, snap.values(m)[i]);
            }
            out.send((ObjectNode) message(Protocol.SAMPLE).setAll(Codec.sample(s)));
            since = snap.times()[i] + 1;
        }
    }

    private ObjectNode message(String type) {
        return Json.object().put("type", type).put("session", id);
    }
}

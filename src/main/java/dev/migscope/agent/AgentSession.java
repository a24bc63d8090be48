package dev.migscope.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Errno;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import dev.migscope.session.MigrationSession;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.TelemetrySnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One session the agent holds open for the near side: its events are pushed as they happen, its
 * samples as the session takes them (the near side keeps its own ring buffers of them). The device
 * thread that takes a sample only wakes this session's pusher, which sends every sample not yet
 * sent in one write: one line each, several together only when several were taken meanwhile.
 */
final class AgentSession {

    private static final Metric[] ALL = Metric.values();

    private final long id;
    private final MigrationSession session;
    private final AgentOutput out;
    private final ExecutorService pusher;
    /** A push is queued and has not begun: samples taken meanwhile go with it. */
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Runnable taken = this::samplesTaken;
    private long since = Long.MIN_VALUE;

    AgentSession(long id, MigrationSession session, AgentOutput out) {
        this.id = id;
        this.session = session;
        this.out = out;
        this.pusher = Executors.newSingleThreadExecutor(r -> {
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
        // "t": when, on the session's telemetry clock, so the near side lays the state's band where its samples are
        session.addListener(e -> out.send((ObjectNode) message(Protocol.EVENT)
                .put("dma_logging", session.isDmaLogging())
                .put("t", session.options().clock().getAsLong() - session.startNanos())
                .set("event", Codec.event(e))));
        session.telemetry().addAppendListener(taken);
        // the samples taken between the open and now
        samplesTaken();
    }

    /** On the thread that took a sample: at most one push queued at a time. */
    private void samplesTaken() {
        if (queued.compareAndSet(false, true)) {
            try {
                pusher.execute(() -> {
                    queued.set(false);
                    pushSamples();
                });
            } catch (RejectedExecutionException closed) {
                // closed meanwhile: nothing more goes out for this session
            }
        }
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
                ? session.startDmaLogging(req.path("page_size").asLong(), Codec.ranges(req))
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
        session.telemetry().removeAppendListener(taken);
        pusher.shutdownNow();
        session.close();
    }

    private void pushSamples() {
        TelemetrySnapshot snap = session.telemetry().snapshot(since, ALL);
        List<ObjectNode> lines = new ArrayList<>(snap.size());
        for (int i = 0; i < snap.size(); i++) {
            Sample s = new Sample(snap.times()[i]);
            for (Metric m : ALL) {
                s.set(m, snap.values(m)[i]);
            }
            lines.add((ObjectNode) message(Protocol.SAMPLE).setAll(Codec.sample(s)));
            since = snap.times()[i] + 1;
        }
        out.sendAll(lines);
    }

    private ObjectNode message(String type) {
        return Json.object().put("type", type).put("session", id);
    }
}

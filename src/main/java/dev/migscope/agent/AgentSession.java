package dev.migscope.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.remote.protocol.Codec;
import dev.migscope.remote.protocol.Protocol;
import dev.migscope.session.MigrationSession;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.TelemetrySnapshot;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /** Starts pushing: after the open's reply is sent, so that the near side knows the session first. */
    void start() {
        session.addListener(e -> out.send((ObjectNode) message(Protocol.EVENT).set("event", Codec.event(e))));
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

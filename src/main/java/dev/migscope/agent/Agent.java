package dev.migscope.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.conform.ConformanceOptions;
import dev.migscope.conform.ConformanceReport;
import dev.migscope.conform.ConformanceRun;
import dev.migscope.conform.ReportJson;
import dev.migscope.conform.ReportText;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.LineReader;
import dev.migscope.protocol.Protocol;
import dev.migscope.protocol.ProtocolException;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.session.TransitionMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@code migscope agent}: the far side of {@code --host}. Reads requests from stdin, one JSON line
 * each, runs them on sessions here (where the device is: sampling stays local to it), and writes
 * replies, events and samples to stdout (docs/REMOTE.md). Long calls run off the reading thread,
 * so that the end of stdin (the connection dropped) is noticed at once: then every running call
 * finishes, each device's state is read again (said on stderr, which ssh carries) and each session
 * is closed as a local command's would be, and the agent exits.
 */
public final class Agent {

    private final Function<Boolean, DeviceRegistry> registries;
    private final String version;
    private final LineReader in;
    private final AgentOutput out;
    private final PrintStream log;
    private final Map<Boolean, DeviceRegistry> registryBySim = new ConcurrentHashMap<>();
    private final Map<Long, AgentSession> sessions = new ConcurrentHashMap<>();
    private final ExecutorService work = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "migscope-agent-call");
        t.setDaemon(true);
        return t;
    });
    private final AgentStreams streams;
    private final AgentAttach attaches;
    private long nextSession = 1;
    /** Requests answered later that have not been yet. */
    private final AtomicInteger running = new AtomicInteger();
    private final ScheduledExecutorService alive = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "migscope-agent-alive");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param registries makes a registry; its argument says whether simulated devices are always listed
     * @param version    this migscope's version, for the hello
     * @param log        where the agent says what it did at the end (ssh passes it to the near side's stderr)
     */
    public Agent(Function<Boolean, DeviceRegistry> registries, String version, InputStream in, OutputStream out,
            PrintStream log) {
        this(registries, version, in, out, log, null);
    }

    /** The same, its scratch directory made in {@code scratchParent} (a test's, to see it go). */
    Agent(Function<Boolean, DeviceRegistry> registries, String version, InputStream in, OutputStream out,
            PrintStream log, Path scratchParent) {
        this.registries = registries;
        this.version = version;
        this.in = new LineReader(in, Protocol.MAX_LINE);
        this.out = new AgentOutput(out);
        this.log = log;
        this.streams = new AgentStreams(this.out, work, scratchParent);
        this.attaches = new AgentAttach(this.out, work);
    }

    /**
     * Greets, serves until stdin ends, then winds every session down, however the serving ended.
     * Returns the exit code.
     */
    public int run() {
        out.send(Json.object().put("type", Protocol.HELLO).put("protocol", Protocol.VERSION)
                .put("migscope", version).put("kernel", System.getProperty("os.version")));
        // While a request runs, the near side hears that this side lives: its silence means a dead one.
        alive.scheduleWithFixedDelay(() -> {
            if (running.get() > 0) {
                out.send(Json.object().put("type", Protocol.ALIVE));
            }
        }, Protocol.ALIVE_INTERVAL.toMillis(), Protocol.ALIVE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        try {
            for (String line = in.readLine(); line != null && !out.isBroken(); line = in.readLine()) {
                if (!line.isBlank()) {
                    serve(line);
                }
            }
        } catch (LineReader.TooLong e) {
            log.println("migscope agent: the near side sent " + e.getMessage() + ", more than the protocol's bound; "
                    + "ending");
        } catch (IOException e) {
            log.println("migscope agent: reading the connection failed: " + e.getMessage());
        } finally {
            alive.shutdownNow();
            windDown();
        }
        return 0;
    }

    private void serve(String line) {
        JsonNode req;
        try {
            req = Codec.parse(line);
        } catch (ProtocolException e) {
            log.println("migscope agent: not a protocol line, ignored: " + e.getMessage());
            return;
        }
        if (Protocol.CHUNK.equals(req.path("type").asText())) {
            streams.chunk(req);
            return;
        }
        long id = req.path("id").asLong();
        String op = req.path("op").asText();
        int theirs = req.path("protocol").asInt(-1);
        if (theirs != Protocol.VERSION) {
            // Answered, then served on: a near side that mixes versions learns it per request.
            fail(id, VfioError.of(Errno.EPROTO, op, null, "this agent (migscope " + version + ") speaks protocol "
                    + Protocol.VERSION + ", the request says " + (theirs < 0 ? "none" : theirs)
                    + "; install the same migscope on both sides"));
            return;
        }
        try {
            switch (op) {
                case Protocol.LIST -> reply(id, listed(req));
                case Protocol.OPEN -> reply(id, open(req));
                case Protocol.STATE -> later(id, session(req).session().refreshState()
                        .thenApply(s -> Json.object().put("state", s.name())));
                case Protocol.TRANSITION -> later(id, session(req).session()
                        .transition(Codec.enumValue(MigState.class, req, "target", true))
                        .thenApply(r -> Json.object().set("result", Codec.transition(r))));
                case Protocol.ARM -> {
                    session(req).session().setArmed(req.path("armed").asBoolean());
                    reply(id, Json.object());
                }
                case Protocol.RESET -> later(id, session(req).session().reset()
                        .thenApply(r -> Json.object().set("result", Codec.transition(r))));
                case Protocol.CLOSE -> {
                    AgentSession s = sessions.remove(req.path("session").asLong());
                    if (s != null) {
                        s.close();
                    }
                    reply(id, Json.object());
                }
                case Protocol.CONFORM -> later(id, CompletableFuture.supplyAsync(() -> conform(req), work));
                case Protocol.SAVE -> later(id, streams.save(session(req).id(), session(req).session(), req));
                case Protocol.RESUME -> later(id, streams.resume(session(req).id(), session(req).session(), req));
                case Protocol.DMA_LOGGING_START, Protocol.DMA_LOGGING_STOP -> later(id, session(req).dmaLogging(req));
                case Protocol.SIMULATE -> later(id, session(req).simulate(req));
                case Protocol.ATTACH -> later(id, attaches.start(id, req, registry(req)));
                case Protocol.CANCEL -> {
                    streams.cancel(req.path("session").asLong());
                    reply(id, Json.object());
                }
                default -> fail(id, VfioError.of(Errno.EOPNOTSUPP, op, null, "this agent (migscope " + version
                        + ", protocol " + Protocol.VERSION + ") has no request \"" + op + "\""));
            }
        } catch (VfioException e) {
            fail(id, e.error());
        } catch (IOException e) {
            fail(id, VfioError.of(Errno.EIO, op, null, "no scratch file on this host: " + e.getMessage()));
        } catch (ProtocolException e) {
            fail(id, VfioError.of(Errno.EPROTO, op, null, "a request this agent cannot read: " + e.getMessage()));
        } catch (RuntimeException e) {
            // A bad path, a readdir race, a bug here: the request is answered, the agent serves on.
            fail(id, VfioError.of(Errno.EIO, op, null, "the agent could not run it: " + VfioException.describe(e)));
        }
    }

    private ObjectNode listed(JsonNode req) {
        ArrayNode devices = Json.array();
        registry(req).list().forEach(d -> devices.add(Codec.info(d)));
        return (ObjectNode) Json.object().set("devices", devices);
    }

    /** Opens the device, or watches it passively when another process holds it and the request allows that. */
    private ObjectNode open(JsonNode req) throws VfioException {
        String device = req.path("device").asText();
        SessionOptions defaults = SessionOptions.defaults();
        SessionOptions options = defaults.withArmed(req.path("armed").asBoolean())
                .withMode(req.path("kernel_walk").asBoolean() ? TransitionMode.KERNEL : TransitionMode.STEPWISE)
                .withSampleInterval(Duration.ofNanos(req.path("sample_interval_nanos")
                        .asLong(defaults.sampleInterval().toNanos())))
                .withPrecopy(Duration.ofNanos(req.path("precopy_max_nanos").asLong(defaults.precopyMax().toNanos())),
                        req.path("precopy_threshold").asLong(defaults.precopyThreshold()));
        MigrationSession s;
        try {
            s = MigrationSession.open(registry(req), device, options);
        } catch (VfioException e) {
            if (!e.error().is(Errno.EBUSY) || !req.path("watch_if_busy").asBoolean()) {
                throw e;
            }
            try {
                s = MigrationSession.watch(registry(req), device, options);
            } catch (VfioException w) {
                VfioError o = e.error();
                throw new VfioException(new VfioError(o.errno(), o.call(), o.deviceId(), o.message()
                        + "; a passive watch is not possible either: " + w.error().message()));
            }
        }
        long sid;
        synchronized (this) {
            sid = nextSession++;
        }
        AgentSession a = new AgentSession(sid, s, out);
        sessions.put(sid, a);
        ObjectNode o = Json.object().put("session", sid);
        o.set("info", Codec.info(s.info()));
        o.put("features", s.features().flags());
        o.put("state", s.state().name());
        o.put("passive", s.isPassive());
        o.put("dma_logging_supported", s.isDmaLoggingSupported());
        o.put("dma_logging", s.isDmaLogging());
        o.put("simulated", s.simulation().isPresent());
        o.put("precopy_info_v2", s.precopyInfoV2().jsonName());
        a.start();
        return o;
    }

    private ObjectNode conform(JsonNode req) {
        ConformanceOptions options = new ConformanceOptions(req.path("repeats").asInt(),
                req.path("max_stream_bytes").asLong());
        String peer = req.hasNonNull("peer") ? req.get("peer").asText() : null;
        try {
            ConformanceReport r = new ConformanceRun(registry(req), req.path("device").asText(), peer, options).run();
            return Json.object().put("report", req.path("json").asBoolean() ? ReportJson.toJson(r) + "\n"
                    : ReportText.format(r)).put("failed", r.hasFailures());
        } catch (VfioException e) {
            throw new AgentFailure(e.error());
        }
    }

    private AgentSession session(JsonNode req) throws VfioException {
        AgentSession s = sessions.get(req.path("session").asLong());
        if (s == null) {
            throw new VfioException(VfioError.of(Errno.EBADF, req.path("op").asText(), null,
                    "no open session " + req.path("session").asLong() + " on this agent"));
        }
        return s;
    }

    private DeviceRegistry registry(JsonNode req) {
        return registryBySim.computeIfAbsent(req.path("sim").asBoolean(), registries);
    }

    private void later(long id, CompletableFuture<? extends ObjectNode> f) {
        running.incrementAndGet();
        f.whenComplete((o, e) -> {
            running.decrementAndGet();
            if (e == null) {
                reply(id, o);
            } else {
                Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                fail(id, c instanceof AgentFailure a ? a.error : c instanceof VfioException v ? v.error()
                        : VfioError.of(Errno.EIO, "agent", null, VfioException.describe(c)));
            }
        });
    }

    private void reply(long id, ObjectNode o) {
        ObjectNode r = Json.object().put("type", Protocol.REPLY).put("id", id);
        r.setAll(o);
        out.send(r);
    }

    private void fail(long id, VfioError e) {
        out.send((ObjectNode) Json.object().put("type", Protocol.REPLY).put("id", id).set("error", Codec.error(e)));
    }

    /**
     * The connection is gone: cancel, let running calls end, re-read each state, close, and say where
     * each is; detach from attached QEMUs (closing QMP, sending QEMU nothing).
     */
    private void windDown() {
        try {
            streams.cancelAll();
            attaches.closeAll();
            for (AgentSession s : sessions.values()) {
                try {
                    MigState st = s.rereadState();
                    s.close();
                    log.println("migscope agent: connection closed; " + s.session().id() + " was "
                            + (st == null ? "in an unknown state (GET failed)" : st) + " when migscope closed it");
                } catch (RuntimeException e) {
                    log.println("migscope agent: closing " + s.session().id() + " failed: "
                            + VfioException.describe(e));
                }
            }
            sessions.clear();
        } finally {
            streams.close();
        }
        work.shutdownNow();
        try {
            work.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.flush();
    }
}

package dev.migscope.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.json.Json;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import dev.migscope.remote.protocol.AttachCodec;
import dev.migscope.remote.protocol.Protocol;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The agent's {@code attach} requests: each runs {@link AttachRun} here, on this host's sockets and
 * devices, pushes every observation with the request's id, and after them the report so far (so
 * that the near side still has one if the connection drops), then replies with the result. At the
 * end of stdin every run detaches: its QMP connections are closed, nothing is sent to QEMU.
 */
final class AgentAttach {

    /** How long QEMU may take to greet and to answer a query: as a local attach. */
    static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    private final AgentOutput out;
    private final ExecutorService work;
    private final Map<Long, AttachRun> running = new ConcurrentHashMap<>();

    AgentAttach(AgentOutput out, ExecutorService work) {
        this.out = out;
        this.work = work;
    }

    CompletableFuture<ObjectNode> start(long id, JsonNode req, DeviceRegistry registry) {
        Pushes pushes = new Pushes(id);
        AttachRun run = new AttachRun(AttachCodec.options(req), QMP_TIMEOUT, registry, pushes::observed);
        pushes.run = run;
        running.put(id, run);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return AttachCodec.result(run.run());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            } finally {
                running.remove(id);
                pushes.reports.shutdown();
            }
        }, work);
    }

    /** The connection is gone: detach from every QEMU, leaving them as they are. */
    void closeAll() {
        running.values().forEach(AttachRun::close);
    }

    /** One request's pushes: each observation at once, the report so far after them on a thread of its own. */
    private final class Pushes {
        private final long id;
        private final ExecutorService reports = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "migscope-agent-attach-report");
            t.setDaemon(true);
            return t;
        });
        private final AtomicBoolean reportDue = new AtomicBoolean();
        private volatile AttachRun run;

        Pushes(long id) {
            this.id = id;
        }

        /**
         * On a QEMU's observer thread, which holds that QEMU: the report, which reads every QEMU,
         * is taken on another thread, once for however many observations came meanwhile.
         */
        void observed(Observation o) {
            ObjectNode m = Json.object().put("type", Protocol.OBSERVATION).put("request", id);
            m.set("observation", AttachCodec.observation(o));
            out.send(m);
            if (reportDue.compareAndSet(false, true)) {
                try {
                    reports.execute(this::sendReport);
                } catch (RejectedExecutionException e) {
                    // the run has ended: its reply carries the report
                }
            }
        }

        private void sendReport() {
            reportDue.set(false);
            ObjectNode m = Json.object().put("type", Protocol.REPORT).put("request", id);
            m.set("report", run.reportSoFar().json());
            out.send(m);
        }
    }
}

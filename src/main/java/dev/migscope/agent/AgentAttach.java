package dev.migscope.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.json.Json;
import dev.migscope.protocol.Protocol;
import dev.migscope.qemu.AttachCodec;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The agent's {@code attach} requests: each runs {@link AttachRun} here, on this host's sockets and
 * devices, pushes every observation with the request's id, each after the report so far (so that
 * the near side still has one if the connection drops), then replies with the result. At the
 * end of stdin every run detaches: its QMP connections are closed, nothing is sent to QEMU.
 */
final class AgentAttach {

    private final AgentOutput out;
    private final ExecutorService work;
    private final Map<Long, AttachRun> running = new ConcurrentHashMap<>();

    AgentAttach(AgentOutput out, ExecutorService work) {
        this.out = out;
        this.work = work;
    }

    CompletableFuture<ObjectNode> start(long id, JsonNode req, DeviceRegistry registry) {
        Pushes pushes = new Pushes(id);
        AttachRun run = new AttachRun(AttachCodec.options(req), registry, pushes::observed);
        pushes.run = run;
        running.put(id, run);
        return CompletableFuture.supplyAsync(() -> {
            try {
                AttachRun.Result r = run.run();
                pushes.drain();
                return AttachCodec.result(r);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            } finally {
                running.remove(id);
                pushes.sender.shutdownNow();
            }
        }, work);
    }

    /** The connection is gone: detach from every QEMU, leaving them as they are. */
    void closeAll() {
        running.values().forEach(AttachRun::close);
    }

    /**
     * One request's pushes, in the order observed, on a thread of their own: for each observation the
     * report so far (which reads every QEMU, so it is not taken on a QEMU's thread, which holds that
     * QEMU), then the observation. When the near side prints a line, it already holds a report that
     * has what the line says, should the connection drop right then.
     */
    private final class Pushes {
        private final long id;
        private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "migscope-agent-attach");
            t.setDaemon(true);
            return t;
        });
        private volatile AttachRun run;

        Pushes(long id) {
            this.id = id;
        }

        /** On a QEMU's observer thread: must not block. */
        void observed(Observation o) {
            try {
                sender.execute(() -> send(o));
            } catch (RejectedExecutionException e) {
                // the run has ended and its reply is sent: nothing follows it
            }
        }

        private void send(Observation o) {
            ObjectNode report = Json.object().put("type", Protocol.REPORT).put("request", id);
            report.set("report", run.reportSoFar().json());
            out.send(report);
            ObjectNode m = Json.object().put("type", Protocol.OBSERVATION).put("request", id);
            m.set("observation", AttachCodec.observation(o));
            out.send(m);
        }

        /** Sends what is queued, so that the reply comes after every observation. */
        void drain() throws InterruptedException {
            sender.shutdown();
            sender.awaitTermination(30, TimeUnit.SECONDS);
        }
    }
}

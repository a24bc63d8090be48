package dev.migscope.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import dev.migscope.protocol.ProtocolException;
import dev.migscope.protocol.StreamFrames;
import dev.migscope.device.MigrationFile;
import dev.migscope.session.MigrationSession;
import dev.migscope.view.Cancellation;
import dev.migscope.view.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * The agent's saves and resumes. A save runs as a local one into a scratch file here (so the
 * bytes are exactly a local save's), which then crosses as chunks before the reply and is deleted;
 * a resume's chunks become a scratch file that is checked whole before the device sees it. The
 * scratch directory goes when the agent ends: nothing the agent does leaves a file.
 */
final class AgentStreams {

    private final AgentOutput out;
    private final Executor work;
    private final Map<Long, StreamFrames.Receiver> uploads = new ConcurrentHashMap<>();
    private final Map<Long, String> damaged = new ConcurrentHashMap<>();
    private final Map<Long, Cancellation> running = new ConcurrentHashMap<>();
    private final Path scratchParent;
    private Path scratch;

    /** @param scratchParent where its scratch directory is made, null for the system's temporary directory */
    AgentStreams(AgentOutput out, Executor work, Path scratchParent) {
        this.out = out;
        this.work = work;
        this.scratchParent = scratchParent;
    }

    /** The device's save into a scratch file, then the file as chunks; the reply carries the result and the end. */
    CompletableFuture<ObjectNode> save(long sid, MigrationSession s, JsonNode req) throws IOException {
        Path file = scratch().resolve("save-" + sid + ".mig");
        Cancellation cancel = new Cancellation();
        running.put(sid, cancel);
        return s.save(file, Codec.state(req, "then"), progress(sid), cancel).thenApplyAsync(r -> {
            running.remove(sid);
            ObjectNode o = (ObjectNode) Json.object().set("result", Codec.stream(r));
            if (!r.ok()) {
                return o;
            }
            try {
                return StreamFrames.send(file, f -> {
                    if (out.isBroken()) {
                        throw new UncheckedIOException(new IOException("the connection is gone"));
                    }
                    out.send(f.put("session", sid));
                }).putInto(o);
            } catch (IOException | UncheckedIOException e) {
                throw new AgentFailure(VfioError.of(Errno.EIO, "send the saved stream", s.id(),
                        "the saved stream could not be sent: " + e.getMessage()));
            } finally {
                delete(file);
            }
        }, work);
    }

    /** One chunk of the file a coming resume names; the first (offset 0) starts a new file. */
    void chunk(JsonNode m) {
        long sid = m.path("session").asLong();
        try {
            if (Codec.integer(m, "offset") == 0) {
                StreamFrames.Receiver old = uploads.remove(sid);
                if (old != null) {
                    old.abort();
                }
                damaged.remove(sid);
                uploads.put(sid, new StreamFrames.Receiver(scratch().resolve("resume-" + sid + ".mig")));
            }
            StreamFrames.Receiver rx = uploads.get(sid);
            if (rx != null) {
                rx.accept(m);
            }
        } catch (IOException | StreamFrames.BadFrame | ProtocolException e) {
            StreamFrames.Receiver rx = uploads.remove(sid);
            if (rx != null) {
                rx.abort();
            }
            damaged.put(sid, e.getMessage());
        }
    }

    /** Checks the arrived file whole (total, SHA-256, format), then resumes the device from it. */
    CompletableFuture<ObjectNode> resume(long sid, MigrationSession s, JsonNode req) {
        StreamFrames.End end = StreamFrames.End.of(req);
        StreamFrames.Receiver rx = uploads.remove(sid);
        String why = damaged.remove(sid);
        if (rx == null) {
            return CompletableFuture.failedFuture(new AgentFailure(VfioError.of(Errno.EIO, "resume", s.id(),
                    "the stream file did not arrive whole" + (why == null ? "" : ": " + why)
                            + "; the device was not touched")));
        }
        Path file = scratch.resolve("resume-" + sid + ".mig");
        try {
            rx.finish(end);
        } catch (IOException | StreamFrames.BadFrame | MigrationFile.InvalidFileException e) {
            return CompletableFuture.failedFuture(new AgentFailure(VfioError.of(Errno.EIO, "resume", s.id(),
                    "the stream file did not arrive whole: " + e.getMessage() + "; the device was not touched")));
        }
        Cancellation cancel = new Cancellation();
        running.put(sid, cancel);
        return s.resume(file, Codec.state(req, "then"), progress(sid), cancel).thenApply(r -> {
            running.remove(sid);
            delete(file);
            return (ObjectNode) Json.object().put("far_file", file.toString()).set("result", Codec.stream(r));
        });
    }

    /** The near side's Ctrl-C: the save or resume unwinds as a local one would. */
    void cancel(long sid) {
        Cancellation c = running.get(sid);
        if (c != null) {
            c.cancel();
        }
    }

    /** The connection is gone: every running save or resume unwinds (the device taken back, no file). */
    void cancelAll() {
        running.values().forEach(Cancellation::cancel);
    }

    /** Removes the scratch directory and whatever is in it. */
    void close() {
        uploads.values().forEach(StreamFrames.Receiver::abort);
        uploads.clear();
        if (scratch != null) {
            try (Stream<Path> all = Files.walk(scratch)) {
                all.sorted(Comparator.reverseOrder()).forEach(AgentStreams::delete);
            } catch (IOException e) {
                // already gone
            }
        }
    }

    private Progress progress(long sid) {
        return (phase, bytes, estimate) -> out.send(Json.object().put("type", Protocol.PROGRESS).put("session", sid)
                .put("phase", phase).put("bytes", bytes).put("estimate", estimate));
    }

    private synchronized Path scratch() throws IOException {
        if (scratch == null) {
            scratch = scratchParent == null ? Files.createTempDirectory("migscope-agent-")
                    : Files.createTempDirectory(scratchParent, "migscope-agent-");
        }
        return scratch;
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // the scratch directory's removal at the end tries again
        }
    }
}

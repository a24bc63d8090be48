package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import dev.migscope.protocol.StreamFrames;
import dev.migscope.device.MigrationFile;
import dev.migscope.view.Cancellation;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link RemoteDevice}'s save and resume: the stream file crosses the connection as
 * {@link StreamFrames}. The save runs there as a local save does; its file's chunks arrive before
 * the reply and become the file here, byte for byte, only once all of it checks out. A resume
 * verifies the file whole here before the first byte is sent. A lost connection leaves no file and
 * reports the state the device was last known to be in.
 */
final class RemoteStreams {

    /** A save's reply: its result, and its file's end when it succeeded. */
    private record Saved(StreamResult result, StreamFrames.End end) {
    }

    /** A resume's reply: its result, and the agent's name for its copy of the file. */
    private record Resumed(StreamResult result, String farFile) {
    }

    private final RemoteDevice device;
    private final AgentConnection connection;
    private volatile StreamFrames.Receiver incoming;
    private volatile String damage;
    private volatile Progress progress = Progress.NONE;
    private volatile Cancellation cancel;
    private final AtomicBoolean cancelSent = new AtomicBoolean();

    RemoteStreams(RemoteDevice device, AgentConnection connection) {
        this.device = device;
        this.connection = connection;
    }

    CompletableFuture<StreamResult> save(Path file, MigState then, Progress p, Cancellation c) {
        long t0 = System.nanoTime();
        StreamFrames.Receiver rx;
        try {
            rx = new StreamFrames.Receiver(file);
        } catch (IOException e) {
            return CompletableFuture.completedFuture(failed(file, MigrationFile.fileError(e, file, "create",
                    device.id()), t0));
        }
        incoming = rx;
        damage = null;
        follow(p, c);
        ObjectNode args = device.args();
        if (then != null) {
            args.put("then", then.name());
        }
        return connection.request(Protocol.SAVE, args, null, r -> {
            StreamResult res = Codec.stream(Codec.required(r, "result"), file);
            return new Saved(res, res.ok() ? StreamFrames.End.of(r) : null);
        }).handle((saved, e) -> {
            incoming = null;
            follow(Progress.NONE, null);
            if (e != null) {
                rx.abort();
                return failed(file, stopped(e, "the save did not finish and no file was kept"), t0);
            }
            StreamResult res = saved.result();
            device.setState(res.finalState());
            if (!res.ok()) {
                rx.abort();
                return res;
            }
            String broken = damage;
            if (broken != null) {
                return withError(res, damaged(file, broken));
            }
            try {
                rx.finish(saved.end());
                return res;
            } catch (IOException x) {
                return withError(res, MigrationFile.fileError(x, file, "write", device.id()));
            } catch (StreamFrames.BadFrame | MigrationFile.InvalidFileException x) {
                return withError(res, damaged(file, x.getMessage()));
            }
        });
    }

    CompletableFuture<StreamResult> resume(Path file, MigState then, Progress p, Cancellation c) {
        long t0 = System.nanoTime();
        try {
            MigrationFile.verify(file);
        } catch (MigrationFile.InvalidFileException e) {
            return CompletableFuture.completedFuture(failed(file, VfioError.of(Errno.EINVAL, "verify " + file,
                    device.id(), e.getMessage() + "; the device was not touched"), t0));
        } catch (IOException e) {
            return CompletableFuture.completedFuture(failed(file, MigrationFile.fileError(e, file, "read",
                    device.id()), t0));
        }
        return CompletableFuture.supplyAsync(() -> {
            follow(p, c);
            try {
                StreamFrames.End end = StreamFrames.send(file, f -> {
                    try {
                        connection.send(f.put("session", device.args().get("session").asLong()));
                    } catch (VfioException e) {
                        throw new CompletionException(e);
                    }
                });
                ObjectNode args = end.putInto(device.args());
                if (then != null) {
                    args.put("then", then.name());
                }
                Resumed r = RemoteHost.await(connection.request(Protocol.RESUME, args, null,
                        m -> new Resumed(Codec.stream(Codec.required(m, "result"), file), Codec.text(m, "far_file"))));
                StreamResult res = r.result();
                device.setState(res.finalState());
                return res.error() == null ? res : withError(res, here(res.error(), r.farFile(), file));
            } catch (IOException e) {
                return failed(file, MigrationFile.fileError(e, file, "read", device.id()), t0);
            } catch (VfioException | CompletionException e) {
                return failed(file, stopped(e, "the resume did not finish"), t0);
            } finally {
                follow(Progress.NONE, null);
            }
        });
    }

    /** A chunk of the running save's file, or the far side's progress (which is also when a Ctrl-C is passed on). */
    void pushed(JsonNode m) {
        if (Protocol.PROGRESS.equals(m.path("type").asText())) {
            // The phase is the state the far session is in: the last known one should the connection drop.
            MigState phase = Codec.enumValue(MigState.class, m, "phase", true);
            Long bytes = Codec.number(m, "bytes");
            Long estimate = Codec.number(m, "estimate");
            device.setState(phase);
            progress.update(phase.name(), bytes == null ? 0 : bytes, estimate == null ? 0 : estimate);
            Cancellation c = cancel;
            if (c != null && c.isCancelled() && cancelSent.compareAndSet(false, true)) {
                connection.request(Protocol.CANCEL, device.args());
            }
            return;
        }
        StreamFrames.Receiver rx = incoming;
        if (rx == null || damage != null) {
            return;
        }
        try {
            rx.accept(m);
        } catch (IOException | StreamFrames.BadFrame e) {
            damage = e.getMessage();
            rx.abort();
        }
    }

    private void follow(Progress p, Cancellation c) {
        progress = p;
        cancel = c;
        cancelSent.set(false);
    }

    /** The request's own error (a lost connection names the host); the device's state is the last one known. */
    private VfioError stopped(Throwable e, String consequence) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof VfioException v) {
            VfioError o = v.error();
            return connection.lost() != null ? new VfioError(o.errno(), o.call(), device.id(), o.message() + "; "
                    + consequence) : o;
        }
        return VfioError.of(Errno.EIO, "agent", device.id(), VfioException.describe(c));
    }

    private VfioError damaged(Path file, String why) {
        return VfioError.of(Errno.EIO, "save " + file, device.id(), "the stream arrived damaged (" + why
                + "); no file was kept: save again");
    }

    /** The far side names its copy of the file; the person knows it by its name here. */
    private static VfioError here(VfioError e, String far, Path file) {
        if (far == null || far.isEmpty()) {
            return e;
        }
        String local = file.toString();
        return new VfioError(e.errno(), e.call() == null ? null : e.call().replace(far, local), e.deviceId(),
                e.message() == null ? null : e.message().replace(far, local));
    }

    private StreamResult failed(Path file, VfioError error, long t0) {
        return new StreamResult(file, List.of(), List.of(), device.state(), error, false,
                Duration.ofNanos(System.nanoTime() - t0));
    }

    private static StreamResult withError(StreamResult r, VfioError error) {
        return new StreamResult(r.file(), r.bytesByPhase(), r.transitions(), r.finalState(), error, r.cancelled(),
                r.duration());
    }
}

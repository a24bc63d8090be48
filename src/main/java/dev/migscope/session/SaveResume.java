package dev.migscope.session;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationFile;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.StreamIo;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigState;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent.Kind;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import dev.migscope.view.TransitionResult;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Save and resume through a {@link MigrationFile}, on the device thread. Every state change goes
 * through {@link Transitions}; a failed or cancelled save takes the device back to where it was
 * and leaves no file; a resume verifies the whole file before it touches the device.
 */
final class SaveResume {

    private final DeviceContext ctx;
    private final Transitions transitions;
    private final Sampler sampler;

    SaveResume(DeviceContext ctx, Transitions transitions, Sampler sampler) {
        this.ctx = ctx;
        this.transitions = transitions;
        this.sampler = sampler;
    }

    // ---------------------------------------------------------------- save

    /**
     * PRE_COPY when the device has it (until the pending bytes fall to the threshold, or the
     * PRE_COPY time limit), then STOP_COPY drained to the end of the stream, then STOP, then
     * {@code then}. The file appears only when complete.
     */
    StreamResult save(Path file, MigState then, Progress progress, Cancellation cancel,
            MigrationFile.ChannelOpener opener) {
        long t0 = System.nanoTime();
        List<TransitionResult> steps = new ArrayList<>();
        boolean precopy = ctx.features.has(MigFeature.PRE_COPY);
        List<MigState> phases = precopy ? List.of(MigState.PRE_COPY, MigState.STOP_COPY) : List.of(MigState.STOP_COPY);
        MigState before = ctx.state;
        Optional<VfioError> refusal = ctx.guard("save");
        if (refusal.isPresent()) {
            return result(Kind.SAVE, file, List.of(), steps, refusal.get(), false, t0);
        }
        MigrationFile.Source source = new MigrationFile.Source(ctx.info.driver(), ctx.id, ctx.info.vendorId(),
                ctx.info.deviceId(), ctx.features);
        MigrationFile.Writer writer;
        try {
            writer = new MigrationFile.Writer(file, source, phases, opener);
        } catch (IOException e) {
            return result(Kind.SAVE, file, List.of(), steps, fileError(e, file, "create"), false, t0);
        }
        long[] bytes = new long[phases.size()];
        long[] estimate = {ctx.migDataSizeOrZero()};
        StreamIo io = ctx.io;
        try {
            if (precopy) {
                TransitionResult r = step(steps, MigState.PRE_COPY);
                if (!r.ok()) {
                    return failSave(writer, file, phases, bytes, steps, failure(r), before, t0);
                }
                writer.beginPhase(MigState.PRE_COPY);
                // The session clock, not the wall clock: a device on compressed time (a simulator's manual
                // clock) must stop pre-copying after precopyMax of its own time, not after however much
                // data the host can read in precopyMax of wall time.
                long phaseStart = ctx.now();
                while (true) {
                    if (cancel.isCancelled()) {
                        return cancelSave(writer, file, phases, bytes, steps, before, t0);
                    }
                    MigrationStream stream = ctx.stream(VfioCall.READ_DATA_FD, "this phase");
                    int n = io.read(stream);
                    if (n > 0) {
                        writer.write(io.chunk());
                        bytes[0] += n;
                        sampler.moved(MigState.PRE_COPY, n);
                    }
                    sampler.sampleIfDue();
                    PrecopyInfo pi = ctx.precopyInfo(stream);
                    if (n > 0) {
                        estimate[0] = estimate(estimate[0], bytes[0], pi);
                        progress.update("PRE_COPY", bytes[0], estimate[0]);
                    }
                    boolean timeUp = ctx.now() - phaseStart >= ctx.options.precopyMax().toNanos();
                    // n <= 0: the temporary end, whether the driver returned 0 (mtty) or ENOMSG (mlx5).
                    if (pi.pendingBytes() <= ctx.options.precopyThreshold() && n <= 0 || timeUp) {
                        break;
                    }
                    if (n <= 0) {
                        stream.poll(Math.max(1, ctx.options.sampleInterval().toMillis()));
                    }
                }
            }
            TransitionResult r = step(steps, MigState.STOP_COPY);
            if (!r.ok()) {
                return failSave(writer, file, phases, bytes, steps, failure(r), before, t0);
            }
            int sc = phases.size() - 1;
            writer.beginPhase(MigState.STOP_COPY);
            if (cancel.isCancelled()) {
                return cancelSave(writer, file, phases, bytes, steps, before, t0);
            }
            // In STOP_COPY, read() == 0 is the end of the stream (the device produced everything). ENOMSG
            // is forbidden here; like QEMU we take it as the end too, and leave judging the driver to the
            // conformance run (stop-copy.no-enomsg) and RESUMING -> STOP to the target.
            MigrationStream stream = ctx.stream(VfioCall.READ_DATA_FD, "this phase");
            StreamIo.Transfer t = io.drain(stream, Long.MAX_VALUE, StreamIo.CHUNK, chunk -> {
                int n = chunk.remaining();
                writer.write(chunk);
                bytes[sc] += n;
                sampler.moved(MigState.STOP_COPY, n);
                long moved = bytes[0] + (sc > 0 ? bytes[sc] : 0);
                estimate[0] = estimate(estimate[0], moved, null);
                progress.update("STOP_COPY", moved, estimate[0]);
                sampler.sampleIfDue();
                return !cancel.isCancelled();
            });
            if (t.error() != null) {
                throw t.error();
            }
            if (t.end() == StreamIo.End.STOPPED) {
                return cancelSave(writer, file, phases, bytes, steps, before, t0);
            }
            writer.commit();
        } catch (VfioException e) {
            return failSave(writer, file, phases, bytes, steps, e.error(), before, t0);
        } catch (IOException e) {
            return failSave(writer, file, phases, bytes, steps, fileError(e, file, "write"), before, t0);
        }
        TransitionResult stop = step(steps, MigState.STOP);
        VfioError error = failure(stop);
        if (error == null && then != null && then != MigState.STOP) {
            error = failure(step(steps, then));
        }
        return result(Kind.SAVE, file, phaseBytes(phases, bytes), steps, error, false, t0);
    }

    /**
     * The total a save reports with its progress. MIG_DATA_SIZE, taken before the save, holds while
     * the bytes moved stay within it; a device that keeps dirtying sends more. Then the total is the
     * bytes moved plus what the device says is left, as QEMU counts it pending: MIG_DATA_SIZE, and in
     * PRE_COPY initial_bytes + dirty_bytes ({@code precopy}, null in STOP_COPY). 0 (unknown) when the
     * device says nothing is left while its stream goes on.
     */
    private long estimate(long estimate, long moved, PrecopyInfo precopy) {
        if (moved <= estimate) {
            return estimate;
        }
        long left = ctx.migDataSizeOrZero() + (precopy == null ? 0 : precopy.pendingBytes());
        return left > 0 ? moved + left : 0;
    }

    private StreamResult failSave(MigrationFile.Writer writer, Path file, List<MigState> phases, long[] bytes,
            List<TransitionResult> steps, VfioError error, MigState before, long t0) {
        writer.abort();
        recover(steps, before);
        return result(Kind.SAVE, file, phaseBytes(phases, bytes), steps,
                error == null ? VfioError.of(Errno.EIO, "save", ctx.id, "the save stopped") : error, false, t0);
    }

    private StreamResult cancelSave(MigrationFile.Writer writer, Path file, List<MigState> phases, long[] bytes,
            List<TransitionResult> steps, MigState before, long t0) {
        writer.abort();
        recover(steps, before);
        return result(Kind.SAVE, file, phaseBytes(phases, bytes), steps,
                VfioError.of(Errno.ECANCELED, "save", ctx.id, "cancelled; no file was written"), true, t0);
    }

    /** After a failed save, take the device back to where it was (QEMU names a recovery state too). */
    private void recover(List<TransitionResult> steps, MigState before) {
        MigState target = before == null || before == MigState.ERROR ? MigState.RUNNING : before;
        if (ctx.state != target && ctx.state != MigState.ERROR && !ctx.gone) {
            step(steps, target);
        }
    }

    // ---------------------------------------------------------------- resume

    /**
     * The whole file is verified first (a refused file leaves the device untouched), then RESUMING,
     * write, STOP (where the driver validates), then {@code then}. The file is opened once: what is
     * written to the device is read from the channel that was verified.
     */
    StreamResult resume(Path file, MigState then, Progress progress, Cancellation cancel) {
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return resume(file, ch, then, progress, cancel, t0);
        } catch (IOException e) {
            return result(Kind.RESUME, file, List.of(), List.of(), fileError(e, file, "read"), false, t0);
        }
    }

    private StreamResult resume(Path file, FileChannel ch, MigState then, Progress progress, Cancellation cancel,
            long t0) {
        List<TransitionResult> steps = new ArrayList<>();
        MigrationFile.Verified v;
        try {
            v = MigrationFile.verify(file, ch);
        } catch (MigrationFile.InvalidFileException e) {
            return result(Kind.RESUME, file, List.of(), steps, VfioError.of(Errno.EINVAL, "verify " + file, ctx.id,
                    e.getMessage() + "; the device was not touched"), false, t0);
        } catch (IOException e) {
            return result(Kind.RESUME, file, List.of(), steps, fileError(e, file, "read"), false, t0);
        }
        Optional<String> mismatch = incompatibility(v.source());
        if (mismatch.isPresent()) {
            return result(Kind.RESUME, file, List.of(), steps, VfioError.of(Errno.EINVAL, "verify " + file, ctx.id,
                    mismatch.get() + "; the device was not touched"), false, t0);
        }
        Optional<VfioError> refusal = ctx.guard("resume");
        if (refusal.isPresent()) {
            return result(Kind.RESUME, file, List.of(), steps, refusal.get(), false, t0);
        }
        if (ctx.state == MigState.RESUMING) {
            // A rejected stream leaves the device in RESUMING with the old data_fd: a new stream must not be
            // appended to it. vfio.h: "To abort a RESUMING session the device must be reset."
            TransitionResult reset = step(steps, null);
            if (!reset.ok()) {
                return result(Kind.RESUME, file, List.of(), steps, failure(reset), false, t0);
            }
        }
        TransitionResult r = step(steps, MigState.RESUMING);
        if (!r.ok()) {
            return result(Kind.RESUME, file, List.of(), steps, failure(r), false, t0);
        }
        long total = v.dataLength();
        long[] counted = new long[1];
        StreamIo.Transfer t = null;
        try {
            MigrationStream stream = ctx.stream(VfioCall.WRITE_DATA_FD, "RESUMING");
            if (!cancel.isCancelled()) {
                t = ctx.io.write(stream, ch, v.dataOffset(), total, chunk -> {
                    counted[0] += chunk.remaining();
                    sampler.moved(MigState.RESUMING, chunk.remaining());
                    progress.update("RESUMING", counted[0], total);
                    sampler.sampleIfDue();
                    return !cancel.isCancelled();
                });
                // A failed write may have taken part of its chunk.
                sampler.moved(MigState.RESUMING, t.bytes() - counted[0]);
                if (t.error() != null) {
                    throw t.error();
                }
            }
        } catch (VfioException e) {
            ctx.rereadAfterError();
            return result(Kind.RESUME, file, resumed(t), steps, e.error(), false, t0);
        } catch (IOException e) {
            ctx.rereadAfterError();
            return result(Kind.RESUME, file, resumed(counted[0]), steps, fileError(e, file, "read"), false, t0);
        }
        if (t == null || t.end() == StreamIo.End.STOPPED) {
            // vfio.h: to abort a RESUMING session the device must be reset.
            step(steps, null);
            return result(Kind.RESUME, file, resumed(t), steps, VfioError.of(Errno.ECANCELED, "resume", ctx.id,
                    "cancelled; the device was reset to leave RESUMING"), true, t0);
        }
        VfioError error = failure(step(steps, MigState.STOP));
        if (error == null && then != null && then != MigState.STOP) {
            error = failure(step(steps, then));
        }
        return result(Kind.RESUME, file, resumed(t), steps, error, false, t0);
    }

    private static List<StreamResult.PhaseBytes> resumed(StreamIo.Transfer t) {
        return resumed(t == null ? 0 : t.bytes());
    }

    private static List<StreamResult.PhaseBytes> resumed(long written) {
        return List.of(new StreamResult.PhaseBytes(MigState.RESUMING, written));
    }

    /** Why a verified file may not go into this device, if it may not. */
    private Optional<String> incompatibility(MigrationFile.Source src) {
        // A file extracted from a QEMU stream records neither: the driver validates the data itself.
        if (src.driverRecorded() && !src.driver().equals(ctx.info.driver())) {
            return Optional.of("the file was saved from driver " + src.driver() + " (" + src.deviceId()
                    + "); this device's driver is " + ctx.info.driver());
        }
        if (src.featuresRecorded() && !src.features().equals(ctx.features)) {
            return Optional.of("the file was saved from a device with features " + src.features()
                    + "; this device has " + ctx.features);
        }
        if (!src.vendorId().isEmpty() && ctx.info.vendorId() != null
                && !(src.vendorId().equals(ctx.info.vendorId()) && src.pciDeviceId().equals(ctx.info.deviceId()))) {
            return Optional.of("the file was saved from PCI device " + src.vendorId() + ":" + src.pciDeviceId()
                    + "; this device is " + ctx.info.vendorId() + ":" + ctx.info.deviceId());
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- shared

    /** A transition inside a save or resume; {@code null} target means a reset. */
    private TransitionResult step(List<TransitionResult> steps, MigState target) {
        TransitionResult r = target == null ? transitions.reset() : transitions.transition(target);
        steps.add(r);
        return r;
    }

    /** Why a step of a save or resume did not reach its target (its errno, or the refusal); null when it did. */
    private VfioError failure(TransitionResult r) {
        return r.ok() ? null : r.error() != null ? r.error() : VfioError.of(Errno.EINVAL,
                VfioCall.SET_MIG_DEVICE_STATE.text(), ctx.id,
                r.refusal() != null ? r.refusal().reason() : "the device ended in " + r.finalState());
    }

    private StreamResult result(Kind kind, Path file, List<StreamResult.PhaseBytes> bytes,
            List<TransitionResult> steps, VfioError error, boolean cancelled, long t0) {
        MigState fin = ctx.state;
        StreamResult r = new StreamResult(file, bytes, steps, fin, error, cancelled, DeviceContext.since(t0));
        String what = bytes.stream().map(b -> b.phase() + " " + b.bytes() + " B").reduce((a, b) -> a + ", " + b)
                .orElse("");
        ctx.emit(kind, kind == Kind.SAVE ? "save " + file : "resume " + file, null, fin, DeviceContext.since(t0),
                error, what);
        return r;
    }

    private static List<StreamResult.PhaseBytes> phaseBytes(List<MigState> phases, long[] bytes) {
        List<StreamResult.PhaseBytes> out = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            out.add(new StreamResult.PhaseBytes(phases.get(i), bytes[i]));
        }
        return out;
    }

    private VfioError fileError(IOException e, Path file, String op) {
        return MigrationFile.fileError(e, file, op, ctx.id);
    }
}

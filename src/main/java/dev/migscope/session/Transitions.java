package dev.migscope.session;

import static dev.migscope.session.DeviceContext.since;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.DeviceEvent.Kind;
import dev.migscope.view.TransitionResult;
import dev.migscope.view.TransitionResult.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one transition path, on the device thread: refuse without a call when the session may not
 * change the device; GET the state; ask the fsm for the path or the refusal; SET each arc (or the
 * target once, {@link TransitionMode#KERNEL}); after any errno GET the state again; return one
 * {@link TransitionResult}. The reset goes the same way. Saves and resumes use both.
 */
final class Transitions {

    private final DeviceContext ctx;

    Transitions(DeviceContext ctx) {
        this.ctx = ctx;
    }

    /** Drives the device to {@code target} along the kernel's path. */
    TransitionResult transition(MigState target) {
        String call = VfioCall.SET_MIG_DEVICE_STATE.text();
        long t0 = System.nanoTime();
        Optional<VfioError> refusal = ctx.guard(VfioCall.SET_MIG_DEVICE_STATE.with(target));
        if (refusal.isPresent()) {
            TransitionResult r = new TransitionResult(ctx.id, call, ctx.state, target, List.of(), ctx.state, null,
                    refusal.get(), -1, since(t0));
            emitResult(Kind.TRANSITION, r, List.of());
            return r;
        }
        MigState from;
        try {
            from = ctx.readState();
        } catch (VfioException e) {
            TransitionResult r = new TransitionResult(ctx.id, call, ctx.state, target, List.of(), null, null,
                    e.error(), -1, since(t0));
            emitResult(Kind.TRANSITION, r, List.of());
            return r;
        }
        MigPath path = MigrationFsm.path(ctx.features, from, target);
        if (path.isRefused()) {
            TransitionResult r = new TransitionResult(ctx.id, call, from, target, List.of(), from, path.refusal(),
                    null, -1, since(t0));
            emitResult(Kind.TRANSITION, r, List.of());
            return r;
        }
        List<Arc> arcs = ctx.options.mode() == TransitionMode.KERNEL && !path.arcs().isEmpty()
                ? List.of(new Arc(from, target)) : path.arcs();
        List<Step> steps = new ArrayList<>();
        VfioError error = null;
        int dataFd = -1;
        for (Arc arc : arcs) {
            long s0 = System.nanoTime();
            try {
                Optional<MigrationStream> opened = ctx.device.setState(arc.to());
                int fd = -1;
                if (opened.isPresent()) {
                    ctx.closeStream();
                    ctx.stream = opened.get();
                    fd = ctx.stream.fd();
                    dataFd = fd;
                } else if (endsSession(arc)) {
                    ctx.closeStream();
                }
                ctx.reached(arc.to());
                Step step = new Step(arc.from(), arc.to(), since(s0), null, fd);
                steps.add(step);
                emitStep(step);
            } catch (VfioException e) {
                error = e.error();
                Step step = new Step(arc.from(), arc.to(), since(s0), error, -1);
                steps.add(step);
                emitStep(step);
                break;
            }
        }
        // After any errno the device may be anywhere on (or off) the path: only a GET tells.
        Reread after = reread(error);
        MigState finalState = after.state();
        error = after.error();
        if (finalState == null || !finalState.isSaving() && finalState != MigState.RESUMING) {
            ctx.closeStream();
        }
        TransitionResult r = new TransitionResult(ctx.id, call, from, target, steps, finalState, null, error, dataFd,
                since(t0));
        emitResult(Kind.TRANSITION, r, path.states());
        return r;
    }

    /** True when the kernel closes the data transfer session on this (possibly multi-step) SET. */
    private boolean endsSession(Arc arc) {
        if (arc.effect().endsSession()) {
            return true;
        }
        // A kernel-walked SET: the session ends if any arc of the walk ends it.
        return MigrationFsm.path(ctx.features, arc.from(), arc.to()).arcs().stream()
                .anyMatch(a -> a.effect().endsSession());
    }

    /** VFIO_DEVICE_RESET, then GET: the only way out of ERROR; the device returns to RUNNING. */
    TransitionResult reset() {
        String call = VfioCall.VFIO_DEVICE_RESET.text();
        long t0 = System.nanoTime();
        MigState from = ctx.state;
        Optional<VfioError> refusal = ctx.guard(call);
        VfioError error = refusal.orElse(null);
        List<Step> steps = new ArrayList<>();
        if (error == null) {
            long s0 = System.nanoTime();
            try {
                ctx.device.reset();
                ctx.closeStream();
                ctx.dmaLogging = false;
                steps.add(new Step(from, MigState.RUNNING, since(s0), null, -1));
            } catch (VfioException e) {
                error = e.error();
                steps.add(new Step(from, MigState.RUNNING, since(s0), error, -1));
            }
        }
        MigState finalState = ctx.state;
        if (refusal.isEmpty()) {
            Reread after = reread(error);
            finalState = after.state();
            error = after.error();
        }
        TransitionResult r = new TransitionResult(ctx.id, call, from, MigState.RUNNING, steps, finalState, null,
                error, -1, since(t0));
        emitResult(Kind.RESET, r, List.of(from, MigState.RUNNING));
        return r;
    }

    /** The state a GET returned (null when it failed too), and the call's first error. */
    private record Reread(MigState state, VfioError error) {
    }

    /** GET MIG_DEVICE_STATE after a call; the call's own error, when it had one, stays the one reported. */
    private Reread reread(VfioError callError) {
        try {
            return new Reread(ctx.readState(), callError);
        } catch (VfioException e) {
            return new Reread(null, callError != null ? callError : e.error());
        }
    }

    private void emitStep(Step step) {
        ctx.emit(new DeviceEvent(Instant.now(), Kind.STEP, VfioCall.SET_MIG_DEVICE_STATE.text(), step.from(),
                step.to(), step.ok() ? step.to() : null, List.of(step.from(), step.to()), step.duration(),
                step.error(), null, step.dataFd(), ""));
    }

    private void emitResult(Kind kind, TransitionResult r, List<MigState> path) {
        String msg = r.finalState() == null ? "device state unknown: GET failed"
                : r.ok() ? "" : "device is " + r.finalState();
        ctx.emit(new DeviceEvent(Instant.now(), kind, r.call(), r.from(), r.requested(), r.finalState(), path,
                r.duration(), r.error(), r.refusal(), r.dataFd(), msg));
    }
}

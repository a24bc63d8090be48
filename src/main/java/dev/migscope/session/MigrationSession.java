package dev.migscope.session;

import dev.migscope.view.StreamResult;
import dev.migscope.view.Progress;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent;
import dev.migscope.view.DeviceListener;
import dev.migscope.view.DeviceView;
import dev.migscope.view.DeviceControl;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.SimulationControls;
import dev.migscope.view.TransitionResult;
import dev.migscope.view.TransitionResult.Step;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.view.DeviceEvent.Kind;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.Telemetry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One open device. A single device thread performs every call on it (ioctls, data_fd reads and
 * writes, sampling), so nothing else ever blocks on the device; callers get futures.
 *
 * <p>Every state change goes through {@link #transition}: ask the fsm for the path or the refusal,
 * SET (step by step, or once and let the kernel walk), re-read the state after any error, return
 * one {@link TransitionResult}. Saves, resumes and resets use the same path.
 *
 * <p>A passive session ({@link #watch}) opens nothing: it reads the state through the backend's
 * watch (debugfs) for a device another process holds, and refuses every change.
 */
public final class MigrationSession implements DeviceView, DeviceControl, AutoCloseable {

    private static final int CHUNK = 1 << 20; // QEMU reads up to 1 MiB per iteration
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String id;
    private final DeviceInfo info;
    private final DeviceSession device; // null when passive
    private final DeviceBackend watchBackend; // non-null when passive
    private final MigFeatures features;
    private final boolean dmaLoggingSupported;
    private final SessionOptions options;
    private final ScheduledExecutorService thread;
    private final Telemetry telemetry;
    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();
    private final long startNanos;
    private volatile ScheduledFuture<?> sampler;
    /** The save or resume holding the device thread now, so that close() can stop it. */
    private volatile Cancellation running;

    private volatile MigState state;
    private volatile boolean armed;
    private volatile boolean gone;
    private volatile boolean closed;
    private volatile boolean dmaLogging;

    // Device-thread-only state.
    private MigrationStream stream;
    private final ByteBuffer chunk = MigrationStream.alignedBuffer(CHUNK);
    private List<IovaRange> dmaRanges = List.of();
    private long dmaPageSize;
    private boolean migDataSizeSupported = true;
    private long preCopyBytes;
    private long stopCopyBytes;
    private long resumeBytes;
    private Sample lastSample;
    private long lastPreCopyBytes;
    private long lastStopCopyBytes;
    private long lastResumeBytes;
    private PrecopyInfo lastPrecopy;
    private long lastPrecopyBytesRead;
    private long nextSampleNanos;

    private MigrationSession(String id, DeviceInfo info, DeviceSession device, DeviceBackend watchBackend,
            MigFeatures features, boolean dmaLoggingSupported, MigState initial, SessionOptions options,
            ScheduledExecutorService thread) {
        this.id = id;
        this.info = info;
        this.device = device;
        this.watchBackend = watchBackend;
        this.features = features;
        this.dmaLoggingSupported = dmaLoggingSupported;
        this.options = options;
        this.thread = thread;
        this.state = initial;
        this.armed = options.armed();
        this.telemetry = new Telemetry(options.historyCapacity());
        this.startNanos = options.clock().getAsLong();
    }

    /** Starts sampling once the session is fully built (the first tick may run at once). */
    private MigrationSession startSampling() {
        long period = options.sampleInterval().toNanos();
        this.sampler = thread.scheduleAtFixedRate(this::sampleTick, 0, period, TimeUnit.NANOSECONDS);
        return this;
    }

    /**
     * Opens {@code id} on a new device thread, reads its migration features and state.
     *
     * @throws VfioException the open failed, or the device has no migration support (ENOTTY)
     */
    public static MigrationSession open(DeviceRegistry registry, String id, SessionOptions options)
            throws VfioException {
        ScheduledExecutorService thread = newDeviceThread(id);
        try {
            return thread.submit(() -> {
                DeviceSession d = registry.open(id);
                try {
                    MigFeatures f = d.migrationFeatures();
                    MigState s = d.getState();
                    return new MigrationSession(id, d.info(), d, null, f, d.dmaLoggingSupported(), s, options,
                            thread).startSampling();
                } catch (VfioException e) {
                    d.close();
                    if (e.error().is(Errno.ENOTTY)) {
                        throw new VfioException(VfioError.of(Errno.ENOTTY, "VFIO_DEVICE_FEATURE GET MIGRATION", id,
                                "the device has no migration support: its driver (" + d.info().driver()
                                        + ") does not implement the v2 migration uAPI"));
                    }
                    throw e;
                }
            }).get();
        } catch (ExecutionException e) {
            thread.shutdownNow();
            throw unwrap(e.getCause(), id, "open");
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
            throw new VfioException(VfioError.of(Errno.ECANCELED, "open", id, "interrupted while opening"));
        }
    }

    /**
     * A read-only session for a device another process holds: its state comes from the backend's
     * watch (debugfs). Every change is refused.
     *
     * @throws VfioException when the backend cannot watch this device (no debugfs, not root)
     */
    public static MigrationSession watch(DeviceRegistry registry, String id, SessionOptions options)
            throws VfioException {
        DeviceBackend b = registry.backendFor(id).orElseThrow(() -> new VfioException(VfioError.of(Errno.ENODEV,
                "watch", id, "no such device; `migscope list` shows the devices this host has")));
        DeviceInfo info = registry.find(id).orElseThrow(() -> new VfioException(VfioError.of(Errno.ENODEV,
                "watch", id, "the device is not listed any more")));
        MigState s = b.watchState(id).orElseThrow(() -> new VfioException(VfioError.of(Errno.EACCES,
                "read /sys/kernel/debug/vfio/" + id + "/migration/state", id,
                "cannot watch the device passively: it needs root and a kernel with CONFIG_VFIO_DEBUGFS "
                        + "(mount -t debugfs none /sys/kernel/debug)")));
        MigFeatures f = info.features() != null ? info.features() : MigFeatures.STOP_COPY_ONLY;
        return new MigrationSession(id, info, null, b, f, false, s, options.withArmed(false), newDeviceThread(id))
                .startSampling();
    }

    private static ScheduledExecutorService newDeviceThread(String id) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "migscope-device-" + id + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    // ---------------------------------------------------------------- accessors (any thread)

    public String id() {
        return id;
    }

    public DeviceInfo info() {
        return info;
    }

    public MigFeatures features() {
        return features;
    }

    /** The state of the last GET (sampler or call). */
    public MigState state() {
        return state;
    }

    /** A passive session (debugfs watch) only observes: it has no control. */
    @Override
    public Optional<DeviceControl> control() {
        return isPassive() ? Optional.empty() : Optional.of(this);
    }

    public boolean isPassive() {
        return device == null;
    }

    public boolean isArmed() {
        return armed;
    }

    /** Arms or disarms: nothing changes the device unless it is armed. A passive session never arms. */
    public void setArmed(boolean a) {
        this.armed = a && !isPassive();
    }

    /** True once {@link #close} has begun: a running save or resume has been asked to stop. */
    public boolean isClosing() {
        return closed;
    }

    /** True once the device disappeared (ENODEV); sampling has stopped. */
    public boolean isGone() {
        return gone;
    }

    public boolean isDmaLoggingSupported() {
        return dmaLoggingSupported;
    }

    public boolean isDmaLogging() {
        return dmaLogging;
    }

    public SessionOptions options() {
        return options;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    /** The session clock's time zero: telemetry times are relative to it. */
    public long startNanos() {
        return startNanos;
    }

    public void addListener(DeviceListener l) {
        listeners.add(l);
    }

    /** Fault injection and workload controls when the device is simulated. */
    public Optional<SimulationControls> simulation() {
        return device == null ? Optional.empty() : device.simulation();
    }

    // ---------------------------------------------------------------- operations (device thread)

    /** Drives the device to {@code target} along the kernel's path. */
    public CompletableFuture<TransitionResult> transition(MigState target) {
        return submit(() -> doTransition(target, "SET MIG_DEVICE_STATE"));
    }

    /** GET MIG_DEVICE_STATE now (the sampler does it too). */
    public CompletableFuture<MigState> refreshState() {
        return submit(() -> {
            readStateLogged();
            return state;
        });
    }

    /** VFIO_DEVICE_RESET: the only way out of ERROR; the device returns to RUNNING. */
    public CompletableFuture<TransitionResult> reset() {
        return submit(this::doReset);
    }

    /**
     * Saves the device state to {@code file}: PRE_COPY when the device has it (until the pending
     * bytes fall to the threshold, or the PRE_COPY time limit), then STOP_COPY drained to the end
     * of the stream, then STOP, then {@code then}. The file appears only when complete.
     */
    public CompletableFuture<StreamResult> save(Path file, MigState then, Progress progress, Cancellation cancel) {
        return submit(() -> whileRunning(cancel,
                () -> doSave(file, then, progress, cancel, MigrationFile.ChannelOpener.DEFAULT)));
    }

    /** {@link #save} with a substitute file opener (tests: a disk that fills up). */
    CompletableFuture<StreamResult> save(Path file, MigState then, Progress progress, Cancellation cancel,
            MigrationFile.ChannelOpener opener) {
        return submit(() -> whileRunning(cancel, () -> doSave(file, then, progress, cancel, opener)));
    }

    /**
     * Resumes {@code file} into the device: the whole file is verified first (a refused file leaves
     * the device untouched), then RESUMING, write, STOP (where the driver validates), then {@code then}.
     */
    public CompletableFuture<StreamResult> resume(Path file, MigState then, Progress progress, Cancellation cancel) {
        return submit(() -> whileRunning(cancel, () -> doResume(file, then, progress, cancel)));
    }

    /** DMA_LOGGING_START over {@code ranges}. */
    public CompletableFuture<Optional<VfioError>> startDmaLogging(long pageSize, List<IovaRange> ranges) {
        return submit(() -> {
            Optional<VfioError> refusal = guard("DMA_LOGGING_START");
            if (refusal.isPresent()) {
                return refusal;
            }
            long t0 = System.nanoTime();
            try {
                device.dmaLoggingStart(pageSize, ranges);
                dmaRanges = List.copyOf(ranges);
                dmaPageSize = pageSize;
                dmaLogging = true;
                emit(Kind.DMA_LOGGING, "SET DMA_LOGGING_START", null, null, since(t0), null,
                        ranges.size() + " range(s), page size " + pageSize);
                return Optional.empty();
            } catch (VfioException e) {
                emit(Kind.DMA_LOGGING, "SET DMA_LOGGING_START", null, null, since(t0), e.error(), "");
                return Optional.of(e.error());
            }
        });
    }

    /** DMA_LOGGING_STOP. */
    public CompletableFuture<Optional<VfioError>> stopDmaLogging() {
        return submit(() -> {
            Optional<VfioError> refusal = guard("DMA_LOGGING_STOP");
            if (refusal.isPresent()) {
                return refusal;
            }
            long t0 = System.nanoTime();
            try {
                device.dmaLoggingStop();
                dmaLogging = false;
                emit(Kind.DMA_LOGGING, "SET DMA_LOGGING_STOP", null, null, since(t0), null, "");
                return Optional.empty();
            } catch (VfioException e) {
                emit(Kind.DMA_LOGGING, "SET DMA_LOGGING_STOP", null, null, since(t0), e.error(), "");
                return Optional.of(e.error());
            }
        });
    }

    /** Runs {@code action} on the simulated device's controls, on the device thread. */
    public CompletableFuture<Void> simulate(java.util.function.Consumer<SimulationControls> action) {
        return submit(() -> {
            SimulationControls c = simulation().orElseThrow(() ->
                    new IllegalStateException(id + " is not a simulated device"));
            action.accept(c);
            return null;
        });
    }

    /** Stops sampling, cancels a running save or resume, closes the data_fd and the device. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cancellation op = running;
        if (op != null) {
            op.cancel(); // a save or resume unwinds at its next chunk, leaving no file and a known state
        }
        ScheduledFuture<?> s = sampler;
        if (s != null) {
            s.cancel(false);
        }
        awaitQuietly(thread.submit(() -> {
            closeStream();
            if (device != null) {
                device.close();
            }
            emit(Kind.CLOSE, "close", null, null, Duration.ZERO, null, "");
        }));
        thread.shutdown();
    }

    // ---------------------------------------------------------------- the one transition path

    private TransitionResult doTransition(MigState target, String call) {
        long t0 = System.nanoTime();
        Optional<VfioError> refusal = guard("SET MIG_DEVICE_STATE " + target);
        if (refusal.isPresent()) {
            TransitionResult r = new TransitionResult(id, call, state, target, List.of(), state, null,
                    refusal.get(), -1, since(t0));
            emitResult(Kind.TRANSITION, r, List.of());
            return r;
        }
        MigState from;
        try {
            from = readState();
        } catch (VfioException e) {
            TransitionResult r = new TransitionResult(id, call, state, target, List.of(), null, null, e.error(), -1,
                    since(t0));
            emitResult(Kind.TRANSITION, r, List.of());
            return r;
        }
        MigPath path = MigrationFsm.path(features, from, target);
        if (path.isRefused()) {
            TransitionResult r = new TransitionResult(id, call, from, target, List.of(), from, path.refusal(), null,
                    -1, since(t0));
            emitResult(Kind.TRANSITION, r, List.of());
            return r;
        }
        List<Arc> arcs = options.mode() == TransitionMode.KERNEL && !path.arcs().isEmpty()
                ? List.of(new Arc(from, target)) : path.arcs();
        List<Step> steps = new ArrayList<>();
        VfioError error = null;
        int dataFd = -1;
        for (Arc arc : arcs) {
            long s0 = System.nanoTime();
            try {
                Optional<MigrationStream> opened = device.setState(arc.to());
                int fd = -1;
                if (opened.isPresent()) {
                    closeStream();
                    stream = opened.get();
                    fd = stream.fd();
                    dataFd = fd;
                } else if (endsSession(arc)) {
                    closeStream();
                }
                state = arc.to();
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
        MigState finalState = state;
        try {
            finalState = readState();
        } catch (VfioException e) {
            finalState = null;
            if (error == null) {
                error = e.error();
            }
        }
        if (finalState == null || !finalState.isSaving() && finalState != MigState.RESUMING) {
            closeStream();
        }
        TransitionResult r = new TransitionResult(id, call, from, target, steps, finalState, null, error, dataFd,
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
        return MigrationFsm.path(features, arc.from(), arc.to()).arcs().stream()
                .anyMatch(a -> a.effect().endsSession());
    }

    private TransitionResult doReset() {
        long t0 = System.nanoTime();
        MigState from = state;
        Optional<VfioError> refusal = guard("VFIO_DEVICE_RESET");
        VfioError error = refusal.orElse(null);
        List<Step> steps = new ArrayList<>();
        if (error == null) {
            long s0 = System.nanoTime();
            try {
                device.reset();
                closeStream();
                dmaLogging = false;
                steps.add(new Step(from, MigState.RUNNING, since(s0), null, -1));
            } catch (VfioException e) {
                error = e.error();
                steps.add(new Step(from, MigState.RUNNING, since(s0), error, -1));
            }
        }
        MigState finalState = state;
        if (refusal.isEmpty()) {
            try {
                finalState = readState();
            } catch (VfioException e) {
                finalState = null;
                if (error == null) {
                    error = e.error();
                }
            }
        }
        TransitionResult r = new TransitionResult(id, "VFIO_DEVICE_RESET", from, MigState.RUNNING, steps, finalState,
                null, error, -1, since(t0));
        emitResult(Kind.RESET, r, List.of(from, MigState.RUNNING));
        return r;
    }

    /** Refuses a state-changing call on a passive, disarmed, gone or closed session. */
    private Optional<VfioError> guard(String call) {
        if (isPassive()) {
            return Optional.of(VfioError.of(Errno.EPERM, call, id, "this is a read-only watch of a device another "
                    + "process holds" + info.ownerIfBusy().map(o -> " (" + o + ")").orElse("")
                    + "; migscope changes nothing on it"));
        }
        if (gone) {
            return Optional.of(VfioError.of(Errno.ENODEV, call, id, "the device was removed"));
        }
        if (!armed) {
            return Optional.of(VfioError.of(Errno.EPERM, call, id,
                    "the device is not armed: arm it first (toolbar Arm, Ctrl+A), so that nothing changes a "
                            + "device by accident"));
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- save and resume

    private StreamResult doSave(Path file, MigState then, Progress progress, Cancellation cancel,
            MigrationFile.ChannelOpener opener) {
        long t0 = System.nanoTime();
        List<TransitionResult> transitions = new ArrayList<>();
        boolean precopy = features.has(MigFeature.PRE_COPY);
        List<MigState> phases = precopy ? List.of(MigState.PRE_COPY, MigState.STOP_COPY) : List.of(MigState.STOP_COPY);
        MigState before = state;
        Optional<VfioError> refusal = guard("save");
        if (refusal.isPresent()) {
            return streamResult(Kind.SAVE, file, List.of(), transitions, refusal.get(), false, t0);
        }
        MigrationFile.Source source = new MigrationFile.Source(info.driver(), id, info.vendorId(), info.deviceId(),
                features);
        MigrationFile.Writer writer;
        try {
            writer = new MigrationFile.Writer(file, source, phases, opener);
        } catch (IOException e) {
            return streamResult(Kind.SAVE, file, List.of(), transitions, fileError(e, file, "create"), false, t0);
        }
        long[] bytes = new long[phases.size()];
        long estimate = migDataSizeOrZero();
        try {
            if (precopy) {
                TransitionResult r = step(transitions, MigState.PRE_COPY);
                if (!r.ok()) {
                    return failSave(writer, file, phases, bytes, transitions, failure(r), before, t0);
                }
                writer.beginPhase(MigState.PRE_COPY);
                // The session clock, not the wall clock: a device on compressed time (a simulator's manual
                // clock) must stop pre-copying after precopyMax of its own time, not after however much
                // data the host can read in precopyMax of wall time.
                long phaseStart = options.clock().getAsLong();
                while (true) {
                    if (cancel.isCancelled()) {
                        return cancelSave(writer, file, phases, bytes, transitions, before, t0);
                    }
                    int n = readChunk();
                    if (n > 0) {
                        writer.write(chunk.flip());
                        bytes[0] += n;
                        preCopyBytes += n;
                        progress.update("PRE_COPY", bytes[0], estimate);
                    }
                    sampleIfDue();
                    PrecopyInfo pi = stream.precopyInfo();
                    boolean timeUp = options.clock().getAsLong() - phaseStart >= options.precopyMax().toNanos();
                    // n <= 0: the temporary end, whether the driver returned 0 (mtty) or ENOMSG (mlx5).
                    if (pi.pendingBytes() <= options.precopyThreshold() && n <= 0 || timeUp) {
                        break;
                    }
                    if (n <= 0) {
                        stream.poll(Math.max(1, options.sampleInterval().toMillis()));
                    }
                }
            }
            TransitionResult r = step(transitions, MigState.STOP_COPY);
            if (!r.ok()) {
                return failSave(writer, file, phases, bytes, transitions, failure(r), before, t0);
            }
            int sc = phases.size() - 1;
            writer.beginPhase(MigState.STOP_COPY);
            while (true) {
                if (cancel.isCancelled()) {
                    return cancelSave(writer, file, phases, bytes, transitions, before, t0);
                }
                int n = readChunk();
                if (n <= 0) {
                    // In STOP_COPY, read() == 0 is the end of the stream (the device produced everything).
                    // ENOMSG is forbidden here; like QEMU we take it as the end too, and leave judging the
                    // driver to the conformance run (stop-copy.no-enomsg) and RESUMING -> STOP to the target.
                    break;
                }
                writer.write(chunk.flip());
                bytes[sc] += n;
                stopCopyBytes += n;
                progress.update("STOP_COPY", bytes[0] + (sc > 0 ? bytes[sc] : 0), estimate);
                sampleIfDue();
            }
            writer.commit();
        } catch (VfioException e) {
            return failSave(writer, file, phases, bytes, transitions, e.error(), before, t0);
        } catch (IOException e) {
            return failSave(writer, file, phases, bytes, transitions, fileError(e, file, "write"), before, t0);
        }
        TransitionResult stop = step(transitions, MigState.STOP);
        VfioError error = failure(stop);
        if (error == null && then != null && then != MigState.STOP) {
            error = failure(step(transitions, then));
        }
        return streamResult(Kind.SAVE, file, phaseBytes(phases, bytes), transitions, error, false, t0);
    }

    private StreamResult failSave(MigrationFile.Writer writer, Path file, List<MigState> phases, long[] bytes,
            List<TransitionResult> transitions, VfioError error, MigState before, long t0) {
        writer.abort();
        recover(transitions, before);
        return streamResult(Kind.SAVE, file, phaseBytes(phases, bytes), transitions,
                error == null ? VfioError.of(Errno.EIO, "save", id, "the save stopped") : error, false, t0);
    }

    private StreamResult cancelSave(MigrationFile.Writer writer, Path file, List<MigState> phases, long[] bytes,
            List<TransitionResult> transitions, MigState before, long t0) {
        writer.abort();
        recover(transitions, before);
        return streamResult(Kind.SAVE, file, phaseBytes(phases, bytes), transitions,
                VfioError.of(Errno.ECANCELED, "save", id, "cancelled; no file was written"), true, t0);
    }

    /** After a failed save, take the device back to where it was (QEMU names a recovery state too). */
    private void recover(List<TransitionResult> transitions, MigState before) {
        MigState target = before == null || before == MigState.ERROR ? MigState.RUNNING : before;
        if (state != target && state != MigState.ERROR && !gone) {
            step(transitions, target);
        }
    }

    private StreamResult doResume(Path file, MigState then, Progress progress, Cancellation cancel) {
        long t0 = System.nanoTime();
        List<TransitionResult> transitions = new ArrayList<>();
        MigrationFile.Verified v;
        try {
            v = MigrationFile.verify(file);
        } catch (MigrationFile.InvalidFileException e) {
            return streamResult(Kind.RESUME, file, List.of(), transitions,
                    VfioError.of(Errno.EINVAL, "verify " + file, id, e.getMessage() + "; the device was not touched"),
                    false, t0);
        } catch (IOException e) {
            return streamResult(Kind.RESUME, file, List.of(), transitions, fileError(e, file, "read"), false, t0);
        }
        Optional<String> mismatch = incompatibility(v.source());
        if (mismatch.isPresent()) {
            return streamResult(Kind.RESUME, file, List.of(), transitions,
                    VfioError.of(Errno.EINVAL, "verify " + file, id, mismatch.get() + "; the device was not touched"),
                    false, t0);
        }
        Optional<VfioError> refusal = guard("resume");
        if (refusal.isPresent()) {
            return streamResult(Kind.RESUME, file, List.of(), transitions, refusal.get(), false, t0);
        }
        if (state == MigState.RESUMING) {
            // A rejected stream leaves the device in RESUMING with the old data_fd: a new stream must not be
            // appended to it. vfio.h: "To abort a RESUMING session the device must be reset."
            TransitionResult reset = step(transitions, null);
            if (!reset.ok()) {
                return streamResult(Kind.RESUME, file, List.of(), transitions, failure(reset), false, t0);
            }
        }
        TransitionResult r = step(transitions, MigState.RESUMING);
        if (!r.ok()) {
            return streamResult(Kind.RESUME, file, List.of(), transitions, failure(r), false, t0);
        }
        long written = 0;
        long total = v.dataLength();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (stream == null) {
                throw new VfioException(VfioError.of(Errno.EBADF, "write(data_fd)", id,
                        "the device returned no data_fd for RESUMING"));
            }
            long pos = v.dataOffset();
            long end = pos + total;
            while (pos < end) {
                if (cancel.isCancelled()) {
                    // vfio.h: to abort a RESUMING session the device must be reset.
                    step(transitions, null);
                    return streamResult(Kind.RESUME, file, List.of(new StreamResult.PhaseBytes(MigState.RESUMING,
                            written)), transitions, VfioError.of(Errno.ECANCELED, "resume", id,
                            "cancelled; the device was reset to leave RESUMING"), true, t0);
                }
                chunk.clear().limit((int) Math.min(CHUNK, end - pos));
                int n = ch.read(chunk, pos);
                if (n <= 0) {
                    throw new IOException(file + " changed while it was being resumed");
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    int w = stream.write(chunk);
                    if (w <= 0) {
                        // Offering the same bytes again would spin the device thread forever.
                        throw new VfioException(VfioError.of(Errno.EIO, "write(data_fd)", id, "the driver accepted "
                                + "none of the " + chunk.remaining() + " bytes offered after " + written
                                + "; the device did not receive the whole stream"));
                    }
                    written += w;
                    resumeBytes += w;
                }
                pos += n;
                progress.update("RESUMING", written, total);
                sampleIfDue();
            }
        } catch (VfioException e) {
            rereadAfterError();
            return streamResult(Kind.RESUME, file, List.of(new StreamResult.PhaseBytes(MigState.RESUMING, written)),
                    transitions, e.error(), false, t0);
        } catch (IOException e) {
            rereadAfterError();
            return streamResult(Kind.RESUME, file, List.of(new StreamResult.PhaseBytes(MigState.RESUMING, written)),
                    transitions, fileError(e, file, "read"), false, t0);
        }
        VfioError error = failure(step(transitions, MigState.STOP));
        if (error == null && then != null && then != MigState.STOP) {
            error = failure(step(transitions, then));
        }
        return streamResult(Kind.RESUME, file, List.of(new StreamResult.PhaseBytes(MigState.RESUMING, written)),
                transitions, error, false, t0);
    }

    /** Why a verified file may not go into this device, if it may not. */
    private Optional<String> incompatibility(MigrationFile.Source src) {
        if (!src.driver().equals(info.driver())) {
            return Optional.of("the file was saved from driver " + src.driver() + " (" + src.deviceId()
                    + "); this device's driver is " + info.driver());
        }
        if (!src.features().equals(features)) {
            return Optional.of("the file was saved from a device with features " + src.features()
                    + "; this device has " + features);
        }
        if (!src.vendorId().isEmpty() && info.vendorId() != null
                && !(src.vendorId().equals(info.vendorId()) && src.pciDeviceId().equals(info.deviceId()))) {
            return Optional.of("the file was saved from PCI device " + src.vendorId() + ":" + src.pciDeviceId()
                    + "; this device is " + info.vendorId() + ":" + info.deviceId());
        }
        return Optional.empty();
    }

    private StreamResult whileRunning(Cancellation cancel, java.util.function.Supplier<StreamResult> op) {
        running = cancel;
        try {
            return op.get();
        } finally {
            running = null;
        }
    }

    /** A transition inside a save or resume; {@code null} target means a reset. */
    private TransitionResult step(List<TransitionResult> transitions, MigState target) {
        TransitionResult r = target == null ? doReset() : doTransition(target, "SET MIG_DEVICE_STATE");
        transitions.add(r);
        return r;
    }

    /** Why a step of a save or resume did not reach its target (its errno, or the refusal); null when it did. */
    private VfioError failure(TransitionResult r) {
        return r.ok() ? null : r.error() != null ? r.error() : refusalError(r);
    }

    private VfioError refusalError(TransitionResult r) {
        return VfioError.of(Errno.EINVAL, "SET MIG_DEVICE_STATE", id,
                r.refusal() != null ? r.refusal().reason() : "the device ended in " + r.finalState());
    }

    private StreamResult streamResult(Kind kind, Path file, List<StreamResult.PhaseBytes> bytes,
            List<TransitionResult> transitions, VfioError error, boolean cancelled, long t0) {
        MigState fin = state;
        StreamResult r = new StreamResult(file, bytes, transitions, fin, error, cancelled, since(t0));
        String what = bytes.stream().map(b -> b.phase() + " " + b.bytes() + " B").reduce((a, b) -> a + ", " + b)
                .orElse("");
        emit(kind, kind == Kind.SAVE ? "save " + file : "resume " + file, null, fin, since(t0), error, what);
        return r;
    }

    private static List<StreamResult.PhaseBytes> phaseBytes(List<MigState> phases, long[] bytes) {
        List<StreamResult.PhaseBytes> out = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            out.add(new StreamResult.PhaseBytes(phases.get(i), bytes[i]));
        }
        return out;
    }

    /** Turns a file-system failure into an error that names the file and the fix. */
    private VfioError fileError(IOException e, Path file, String op) {
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : String.valueOf(e.getMessage());
        if (e instanceof AccessDeniedException) {
            return VfioError.of(Errno.EACCES, op + " " + file, id, "permission denied on " + file
                    + "; choose a directory you can write to");
        }
        if (e instanceof NoSuchFileException) {
            return VfioError.of(Errno.ENOENT, op + " " + file, id, "no such file or directory: " + file);
        }
        if (reason.contains("No space left")) {
            return VfioError.of(Errno.ENOSPC, op + " " + file, id, "no space left on the file system of " + file
                    + "; nothing was kept: free some space or save elsewhere");
        }
        if (reason.contains("Read-only file system")) {
            return VfioError.of(Errno.EROFS, op + " " + file, id, file + " is on a read-only file system");
        }
        return VfioError.of(Errno.EIO, op + " " + file, id, reason);
    }

    // ---------------------------------------------------------------- data_fd and state reads

    /** Reads one chunk into {@link #chunk}; 0 or {@link MigrationStream#ENOMSG} when no data now (or the end in STOP_COPY). */
    private int readChunk() throws VfioException {
        if (stream == null) {
            throw new VfioException(VfioError.of(Errno.EBADF, "read(data_fd)", id,
                    "the device returned no data_fd for this phase"));
        }
        chunk.clear();
        return stream.read(chunk);
    }

    private MigState readState() throws VfioException {
        try {
            MigState s = device == null ? watchBackend.watchState(id).orElseThrow(() -> new VfioException(
                    VfioError.of(Errno.EIO, "read debugfs migration/state", id, "the debugfs state file vanished")))
                    : device.getState();
            state = s;
            return s;
        } catch (VfioException e) {
            if (e.error().is(Errno.ENODEV)) {
                markGone(e.error());
            }
            throw e;
        }
    }

    private void readStateLogged() {
        try {
            readState();
        } catch (VfioException e) {
            emit(Kind.STATE_OBSERVED, "GET MIG_DEVICE_STATE", null, null, Duration.ZERO, e.error(), "");
        }
    }

    private void rereadAfterError() {
        try {
            readState();
        } catch (VfioException ignored) {
            // the caller reports the first error; the state stays the last known
        }
    }

    private long migDataSizeOrZero() {
        if (!migDataSizeSupported || device == null) {
            return 0;
        }
        try {
            return device.migDataSize();
        } catch (VfioException e) {
            if (e.error().is(Errno.ENOTTY)) {
                migDataSizeSupported = false;
            }
            return 0;
        }
    }

    private void closeStream() {
        if (stream != null) {
            stream.close();
            stream = null;
            lastPrecopy = null;
        }
    }

    private void markGone(VfioError error) {
        if (!gone) {
            gone = true;
            ScheduledFuture<?> s = sampler;
            if (s != null) {
                s.cancel(false);
            }
            emit(Kind.DEVICE_GONE, error.call(), null, null, Duration.ZERO, error,
                    "the device is gone; sampling stopped");
        }
    }

    // ---------------------------------------------------------------- sampling

    private void sampleTick() {
        if (gone || closed) {
            return;
        }
        try {
            sampleNow();
        } catch (RuntimeException e) {
            // A bug in a backend must not kill the device thread's schedule.
            emit(Kind.STATE_OBSERVED, "sample", null, null, Duration.ZERO,
                    VfioError.of(Errno.EIO, "sample", id, String.valueOf(e)), "");
        }
    }

    /** Long operations call this between chunks so charts stay live while they hold the device thread. */
    private void sampleIfDue() {
        if (options.clock().getAsLong() >= nextSampleNanos) {
            sampleTick();
        }
    }

    private void sampleNow() {
        long now = options.clock().getAsLong();
        nextSampleNanos = now + options.sampleInterval().toNanos();
        Sample s = new Sample(now - startNanos);
        MigState before = state;
        try {
            MigState st = readState();
            s.set(Metric.STATE, st.abi());
            if (st != before) {
                emit(Kind.STATE_OBSERVED, "GET MIG_DEVICE_STATE", before, st, Duration.ZERO, null,
                        "changed outside this session's calls");
            }
        } catch (VfioException e) {
            if (gone) {
                return;
            }
        }
        double dt = lastSample == null ? 0 : (s.timeNanos() - lastSample.timeNanos()) / 1e9;
        if (dt > 0) {
            s.set(Metric.PRE_COPY_THROUGHPUT, (preCopyBytes - lastPreCopyBytes) / dt);
            s.set(Metric.STOP_COPY_THROUGHPUT, (stopCopyBytes - lastStopCopyBytes) / dt);
            s.set(Metric.RESUME_THROUGHPUT, (resumeBytes - lastResumeBytes) / dt);
        }
        s.set(Metric.TOTAL_BYTES, preCopyBytes + stopCopyBytes + resumeBytes);
        if (stream != null && (state == MigState.PRE_COPY || state == MigState.PRE_COPY_P2P)) {
            try {
                PrecopyInfo pi = stream.precopyInfo();
                s.set(Metric.INITIAL_BYTES, pi.initialBytes());
                s.set(Metric.DIRTY_BYTES, pi.dirtyBytes());
                if (lastPrecopy != null && dt > 0) {
                    // pending(t) = pending(t0) - read + dirtied, so dirtied = Δpending + read.
                    long read = preCopyBytes - lastPrecopyBytesRead;
                    double dirtied = pi.pendingBytes() - lastPrecopy.pendingBytes() + read;
                    s.set(Metric.DIRTY_RATE, Math.max(0, dirtied / dt));
                }
                lastPrecopy = pi;
                lastPrecopyBytesRead = preCopyBytes;
            } catch (VfioException e) {
                lastPrecopy = null;
            }
        }
        if (device != null && state != MigState.ERROR) {
            long size = migDataSizeOrZero();
            if (migDataSizeSupported) {
                s.set(Metric.STOP_COPY_LENGTH, size);
                s.set(Metric.DOWNTIME_ESTIMATE, (double) size / options.linkBandwidth());
            }
        }
        if (dmaLogging && dt > 0) {
            long pages = 0;
            try {
                for (IovaRange r : dmaRanges) {
                    DirtyBitmap bm = device.dmaLoggingReport(r.iova(), r.length(), dmaPageSize);
                    pages += bm.dirtyPages();
                }
                s.set(Metric.DMA_DIRTY_PAGES_RATE, pages / dt);
            } catch (VfioException e) {
                dmaLogging = false;
                emit(Kind.DMA_LOGGING, "GET DMA_LOGGING_REPORT", null, null, Duration.ZERO, e.error(),
                        "DMA logging stopped being reported");
            }
        }
        lastPreCopyBytes = preCopyBytes;
        lastStopCopyBytes = stopCopyBytes;
        lastResumeBytes = resumeBytes;
        lastSample = s;
        telemetry.append(s);
    }

    // ---------------------------------------------------------------- plumbing

    private <T> CompletableFuture<T> submit(java.util.concurrent.Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new IllegalStateException("session for " + id + " is closed"));
            return f;
        }
        thread.execute(() -> {
            try {
                f.complete(work.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    private void emitStep(Step step) {
        emit(new DeviceEvent(Instant.now(), Kind.STEP, "SET MIG_DEVICE_STATE", step.from(), step.to(),
                step.ok() ? step.to() : null, List.of(step.from(), step.to()), step.duration(), step.error(), null, step.dataFd(), ""));
    }

    private void emitResult(Kind kind, TransitionResult r, List<MigState> path) {
        String msg = r.finalState() == null ? "device state unknown: GET failed"
                : r.ok() ? "" : "device is " + r.finalState();
        emit(new DeviceEvent(Instant.now(), kind, r.call(), r.from(), r.requested(), r.finalState(), path, r.duration(), r.error(),
                r.refusal(), r.dataFd(), msg));
    }

    private void emit(Kind kind, String call, MigState from, MigState to, Duration d, VfioError e, String msg) {
        emit(new DeviceEvent(Instant.now(), kind, call, from, to, null, List.of(), d, e, null, -1, msg));
    }

    private void emit(DeviceEvent e) {
        for (DeviceListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ignored) {
                // a listener's bug must not break the device thread
            }
        }
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static VfioException unwrap(Throwable t, String id, String call) {
        if (t instanceof VfioException v) {
            return v;
        }
        return new VfioException(VfioError.of(Errno.EIO, call, id, String.valueOf(t)));
    }

    /** Waits for device-thread work whose result does not matter (close). */
    private static void awaitQuietly(java.util.concurrent.Future<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException ignored) {
            // closing: the device thread is shut down next either way
        }
    }
}

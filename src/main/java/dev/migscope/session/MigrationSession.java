package dev.migscope.session;

import static dev.migscope.session.DeviceContext.since;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationFile;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceEvent.Kind;
import dev.migscope.view.DeviceListener;
import dev.migscope.view.StateChange;
import dev.migscope.view.DeviceView;
import dev.migscope.view.PrecopyInfoV2;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import dev.migscope.view.TransitionResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One open device. A single device thread performs every call on it (ioctls, data_fd reads and
 * writes, sampling), so nothing else ever blocks on the device; callers get futures.
 *
 * <p>Every state change goes through {@link #transition}: ask the fsm for the path or the refusal,
 * SET (step by step, or once and let the kernel walk), re-read the state after any error, return
 * one {@link TransitionResult}. Saves, resumes and resets use the same path ({@link Transitions});
 * saves and resumes are {@link SaveResume}'s, telemetry the {@link Sampler}'s. This class owns the
 * device thread, the lifecycle and the public API.
 *
 * <p>A passive session ({@link #watch}) opens nothing: it reads the state through the backend's
 * watch (debugfs) for a device another process holds, and refuses every change.
 */
public final class MigrationSession implements DeviceView, DeviceControl, AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final DeviceContext ctx;
    private final ScheduledExecutorService thread;
    private final Transitions transitions;
    private final Sampler sampler;
    private final SaveResume saveResume;
    /** The save or resume holding the device thread now, so that close() can stop it. */
    private volatile Cancellation running;

    private MigrationSession(DeviceContext ctx, ScheduledExecutorService thread) {
        this.ctx = ctx;
        this.thread = thread;
        this.transitions = new Transitions(ctx);
        this.sampler = new Sampler(ctx);
        this.saveResume = new SaveResume(ctx, transitions, sampler);
    }

    /** Starts sampling once the session is fully built (the first tick may run at once). */
    private MigrationSession startSampling() {
        long period = ctx.options.sampleInterval().toNanos();
        ctx.sampling(thread.scheduleAtFixedRate(sampler::tick, 0, period, TimeUnit.NANOSECONDS));
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
                    DeviceContext ctx = new DeviceContext(id, d.info(), d, null, f, d.dmaLoggingSupported(), s, options);
                    ctx.optInPrecopyInfoV2();
                    return new MigrationSession(ctx, thread).startSampling();
                } catch (VfioException e) {
                    d.close();
                    if (e.error().is(Errno.ENOTTY)) {
                        throw new VfioException(VfioError.of(Errno.ENOTTY, VfioCall.GET_MIGRATION.text(), id,
                                "the device has no migration support: its driver (" + d.info().driver()
                                        + ") does not implement the v2 migration uAPI"));
                    }
                    throw e;
                }
            }).get();
        } catch (ExecutionException e) {
            thread.shutdownNow();
            throw e.getCause() instanceof VfioException v ? v
                    : new VfioException(VfioError.of(Errno.EIO, "open", id, VfioException.describe(e)));
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
        return new MigrationSession(new DeviceContext(id, info, null, b, f, false, s, options.withArmed(false)),
                newDeviceThread(id)).startSampling();
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
        return ctx.id;
    }

    public DeviceInfo info() {
        return ctx.info;
    }

    public MigFeatures features() {
        return ctx.features;
    }

    /** The state of the last GET (sampler or call). */
    public MigState state() {
        return ctx.state;
    }

    /** A passive session (debugfs watch) only observes: it has no control. */
    @Override
    public Optional<DeviceControl> control() {
        return isPassive() ? Optional.empty() : Optional.of(this);
    }

    public boolean isPassive() {
        return ctx.isPassive();
    }

    public boolean isArmed() {
        return ctx.armed;
    }

    /** Arms or disarms: nothing changes the device unless it is armed. A passive session never arms. */
    public void setArmed(boolean a) {
        ctx.armed = a && !isPassive();
    }

    /** True once {@link #close} has begun: a running save or resume has been asked to stop. */
    public boolean isClosing() {
        return ctx.closed;
    }

    /** Once the device disappeared (ENODEV): sampling has stopped. */
    @Override
    public Optional<String> lost() {
        return ctx.gone ? Optional.of("the device is gone (ENODEV)") : Optional.empty();
    }

    /** What became of the PRECOPY_INFOv2 opt-in made at open ({@link PrecopyInfoV2#UNKNOWN} when passive). */
    @Override
    public PrecopyInfoV2 precopyInfoV2() {
        return ctx.precopyInfoV2;
    }

    public boolean isDmaLoggingSupported() {
        return ctx.dmaLoggingSupported;
    }

    public boolean isDmaLogging() {
        return ctx.dmaLogging;
    }

    public SessionOptions options() {
        return ctx.options;
    }

    public Telemetry telemetry() {
        return ctx.telemetry;
    }

    /** The session clock's time zero: telemetry times are relative to it. */
    public long startNanos() {
        return ctx.startNanos;
    }

    public void addListener(DeviceListener l) {
        ctx.listeners.add(l);
    }

    @Override
    public void removeListener(DeviceListener l) {
        ctx.listeners.remove(l);
    }

    @Override
    public List<StateChange> stateChanges() {
        return ctx.history.list();
    }

    /** Fault injection and workload controls when the device is simulated. */
    public Optional<SimulationControls> simulation() {
        return ctx.device == null ? Optional.empty() : ctx.device.simulation();
    }

    // ---------------------------------------------------------------- operations (device thread)

    /** Drives the device to {@code target} along the kernel's path. */
    public CompletableFuture<TransitionResult> transition(MigState target) {
        return submit(() -> transitions.transition(target));
    }

    /** GET MIG_DEVICE_STATE now (the sampler does it too). */
    public CompletableFuture<MigState> refreshState() {
        return submit(() -> {
            ctx.readStateLogged();
            return ctx.state;
        });
    }

    /** VFIO_DEVICE_RESET: the only way out of ERROR; the device returns to RUNNING. */
    public CompletableFuture<TransitionResult> reset() {
        return submit(transitions::reset);
    }

    /**
     * Saves the device state to {@code file}: PRE_COPY when the device has it (until the pending
     * bytes fall to the threshold, or the PRE_COPY time limit), then STOP_COPY drained to the end
     * of the stream, then STOP, then {@code then}. The file appears only when complete.
     */
    public CompletableFuture<StreamResult> save(Path file, MigState then, Progress progress, Cancellation cancel) {
        return save(file, then, progress, cancel, MigrationFile.ChannelOpener.DEFAULT);
    }

    /** {@link #save} with a substitute file opener (tests: a disk that fills up). */
    CompletableFuture<StreamResult> save(Path file, MigState then, Progress progress, Cancellation cancel,
            MigrationFile.ChannelOpener opener) {
        return submit(() -> whileRunning(cancel, () -> saveResume.save(file, then, progress, cancel, opener)));
    }

    /**
     * Resumes {@code file} into the device: the whole file is verified first (a refused file leaves
     * the device untouched), then RESUMING, write, STOP (where the driver validates), then {@code then}.
     */
    public CompletableFuture<StreamResult> resume(Path file, MigState then, Progress progress, Cancellation cancel) {
        return submit(() -> whileRunning(cancel, () -> saveResume.resume(file, then, progress, cancel)));
    }

    /** DMA_LOGGING_START over {@code ranges}. */
    public CompletableFuture<Optional<VfioError>> startDmaLogging(long pageSize, List<IovaRange> ranges) {
        String call = VfioCall.SET_DMA_LOGGING_START.text();
        return submit(() -> {
            Optional<VfioError> refusal = ctx.guard(call);
            if (refusal.isPresent()) {
                return refusal;
            }
            long t0 = System.nanoTime();
            try {
                ctx.device.dmaLoggingStart(pageSize, ranges);
                ctx.dmaRanges = List.copyOf(ranges);
                ctx.dmaPageSize = pageSize;
                ctx.dmaLogging = true;
                ctx.emit(Kind.DMA_LOGGING, call, null, null, since(t0), null,
                        ranges.size() + " range(s), page size " + pageSize);
                return Optional.empty();
            } catch (VfioException e) {
                ctx.emit(Kind.DMA_LOGGING, call, null, null, since(t0), e.error(), "");
                return Optional.of(e.error());
            }
        });
    }

    /** DMA_LOGGING_STOP. */
    public CompletableFuture<Optional<VfioError>> stopDmaLogging() {
        String call = VfioCall.SET_DMA_LOGGING_STOP.text();
        return submit(() -> {
            Optional<VfioError> refusal = ctx.guard(call);
            if (refusal.isPresent()) {
                return refusal;
            }
            long t0 = System.nanoTime();
            try {
                ctx.device.dmaLoggingStop();
                ctx.dmaLogging = false;
                ctx.emit(Kind.DMA_LOGGING, call, null, null, since(t0), null, "");
                return Optional.empty();
            } catch (VfioException e) {
                ctx.emit(Kind.DMA_LOGGING, call, null, null, since(t0), e.error(), "");
                return Optional.of(e.error());
            }
        });
    }

    /** Runs {@code action} on the simulated device's controls, on the device thread. */
    public CompletableFuture<Void> simulate(Consumer<SimulationControls> action) {
        return submit(() -> {
            SimulationControls c = simulation().orElseThrow(() ->
                    new IllegalStateException(ctx.id + " is not a simulated device"));
            action.accept(c);
            return null;
        });
    }

    /** Stops sampling, cancels a running save or resume, closes the data_fd and the device. */
    @Override
    public void close() {
        if (ctx.closed) {
            return;
        }
        ctx.closed = true;
        Cancellation op = running;
        if (op != null) {
            op.cancel(); // a save or resume unwinds at its next chunk, leaving no file and a known state
        }
        ctx.stopSampling();
        awaitQuietly(thread.submit(() -> {
            ctx.closeStream();
            if (ctx.device != null) {
                ctx.device.close();
            }
            ctx.emit(Kind.CLOSE, "close", null, null, Duration.ZERO, null, "");
        }));
        thread.shutdown();
    }

    // ---------------------------------------------------------------- plumbing

    private StreamResult whileRunning(Cancellation cancel, Supplier<StreamResult> op) {
        running = cancel;
        try {
            return op.get();
        } finally {
            running = null;
        }
    }

    private <T> CompletableFuture<T> submit(Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (ctx.closed) {
            f.completeExceptionally(new IllegalStateException("session for " + ctx.id + " is closed"));
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

    /** Waits for device-thread work whose result does not matter (close). */
    private static void awaitQuietly(Future<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ignored) {
            // closing: the device thread is shut down next either way
        }
    }
}

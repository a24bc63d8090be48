package dev.migscope.sim;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One simulated device and its driver. The set-state loop is mtty_set_state's: ask the FSM for the
 * next step, perform it, advance. Every field is guarded by {@link #lock}; {@link #state} and the
 * holder are also volatile so that listing from other threads never waits for the device thread.
 */
final class SimDevice {

    static final String SET_STATE = VfioCall.SET_MIG_DEVICE_STATE.text();

    final String id;
    final SimProfile profile;
    final SimClock clock;
    final DeviceImage image;
    final ReentrantLock lock = new ReentrantLock();
    private final SimBackend backend;
    private final SplittableRandom workload;

    private volatile MigState state = MigState.RUNNING;
    private volatile boolean unplugged;
    private volatile SimSession holder;
    private volatile Duration setStateDelay = Duration.ZERO;

    private SaveStream saving;
    private ResumeStream resuming;
    private DmaLog dmaLog;
    private final Map<Arc, Fault> faults = new HashMap<>();
    private RandomFaults randomFaults;
    private long dirtyBytesPerSecond;
    private long linkBytesPerSecond;
    private double dirtyBytesOwed;
    private long lastAdvance;
    private long linkFreeAt;
    /** The PRECOPY_INFOv2 opt-in; like the kernel's device->precopy_info_v2 it lasts until the device is closed. */
    private boolean precopyInfoV2;

    /** An injected failure of one arc, used once. */
    private record Fault(Errno errno, boolean leaveInError, String origin) {
    }

    /** Steps fail at random with {@code probability}, leaving the device where it was. */
    private record RandomFaults(SplittableRandom random, double probability, Errno errno) {
    }

    SimDevice(SimBackend backend, String id, SimProfile profile) {
        this.backend = backend;
        this.id = id;
        this.profile = profile;
        this.clock = backend.clock();
        long seed = id.hashCode() * 0x9E3779B97F4A7C15L;
        this.image = new DeviceImage(seed, profile.pageCount(), SimProfile.PAGE_BYTES);
        this.workload = new SplittableRandom(seed);
        this.dirtyBytesPerSecond = profile.dirtyBytesPerSecond();
        this.linkBytesPerSecond = profile.linkBytesPerSecond();
        this.lastAdvance = clock.nanoTime();
        this.linkFreeAt = lastAdvance;
    }

    MigState state() {
        return state;
    }

    boolean unplugged() {
        return unplugged;
    }

    SimSession holder() {
        return holder;
    }

    /** Under the backend's lock: the caller checked that nobody holds the device. */
    void attach(SimSession session) {
        holder = session;
    }

    DeviceInfo info() {
        SimSession h = holder;
        Owner owner = h == null ? null : h.owner();
        return new DeviceInfo(id, DeviceKind.SIM, profile.driver(), profile.vendorName(), profile.deviceName(),
                null, null, null, null, owner, profile.features(), state, null);
    }

    VfioException error(Errno errno, String call, String sentence) {
        return new VfioException(VfioError.of(errno, call, id, sentence));
    }

    void checkPresent(String call) throws VfioException {
        if (unplugged) {
            throw error(Errno.ENODEV, call, "the device was removed (hot-unplug); close this session and pick "
                    + "another device from the list");
        }
    }

    private boolean running(MigState s) {
        if (s == MigState.RUNNING_P2P) {
            return !profile.quirks().contains(Quirk.RUNNING_P2P_IS_STOP);
        }
        return s == MigState.RUNNING || s == MigState.PRE_COPY || s == MigState.PRE_COPY_P2P;
    }

    /** Under the lock: SET MIG_PRECOPY_INFOv2 succeeded (the caller checked PRE_COPY). */
    void enablePrecopyInfoV2() {
        precopyInfoV2 = true;
    }

    /** Under the lock: PRECOPY_INFO's flags are output (REINIT) rather than reserved. */
    boolean precopyInfoV2() {
        return precopyInfoV2;
    }

    /**
     * Under the lock: lets the workload catch up with the clock. Called before anything that looks
     * at or changes the device, so the time since the last call is charged to the state it was
     * spent in (nothing dirties in the STOP states).
     */
    void advance() {
        long now = clock.nanoTime();
        long elapsed = now - lastAdvance;
        lastAdvance = now;
        if (elapsed <= 0 || !running(state)) {
            return;
        }
        double seconds = elapsed / 1e9;
        dirtyBytesOwed += dirtyBytesPerSecond * seconds;
        long pages = (long) (dirtyBytesOwed / image.pageBytes());
        dirtyBytesOwed -= (double) pages * image.pageBytes();
        // Past a few rounds over the state, more dirtying changes nothing anyone can observe.
        pages = Math.min(pages, 16L * image.pageCount());
        for (long i = 0; i < pages; i++) {
            int page = workload.nextInt(image.pageCount());
            image.dirty(page);
            if (saving != null) {
                saving.pageDirtied(page);
            }
        }
        if (dmaLog != null) {
            dmaLog.accrue(profile.dmaDirtyPagesPerSecond() * seconds);
        }
    }

    /** Under the lock: how long the link takes to carry {@code bytes} more, queued behind what it carries now. */
    long linkTransferNanos(long bytes) {
        long now = clock.nanoTime();
        long start = Math.max(now, linkFreeAt);
        linkFreeAt = start + (long) (bytes * 1e9 / linkBytesPerSecond);
        return linkFreeAt - now;
    }

    Optional<MigrationStream> setState(MigState target) throws VfioException {
        Duration delay = setStateDelay;
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw error(Errno.ECANCELED, SET_STATE, "interrupted before the SET reached the device; the state "
                        + "did not change");
            }
        }
        lock.lock();
        try {
            checkPresent(SET_STATE);
            advance();
            SimStream opened = null;
            // mtty_set_state: the driver walks the kernel's next-step table itself.
            while (state != target) {
                MigPath step = MigrationFsm.nextStep(profile.features(), state, target);
                if (step.isRefused()) {
                    throw error(Errno.EINVAL, SET_STATE, state + " -> " + target + " refused: "
                            + step.refusal().reason() + " (this device has " + profile.features() + ")");
                }
                MigState next = step.states().get(1);
                Arc arc = new Arc(state, next);
                fail(arc);
                opened = step(arc);
                state = next;
            }
            return Optional.ofNullable(opened);
        } finally {
            lock.unlock();
        }
    }

    /** Throws the injected failure of {@code arc}, if any, leaving the device as a failing driver would. */
    private void fail(Arc arc) throws VfioException {
        Fault f = faults.remove(arc);
        if (f == null && randomFaults != null && randomFaults.random().nextDouble() < randomFaults.probability()) {
            f = new Fault(randomFaults.errno(), false, "random fault");
        }
        if (f == null) {
            return;
        }
        if (f.leaveInError()) {
            // The driver could neither finish the arc nor go back: its data transfer session is lost too.
            state = MigState.ERROR;
            disableFiles();
        }
        throw error(f.errno(), SET_STATE, f.origin() + " on " + arc.id() + " (simulation): "
                + (f.leaveInError() ? "the device is in ERROR; VFIO_DEVICE_RESET returns it to RUNNING"
                        : "the device stayed in " + arc.from() + "; re-read the state, then retry or reset"));
    }

    /** mtty_step_state: one arc, and the data_fd it opens, if any. */
    private SimStream step(Arc arc) throws VfioException {
        switch (arc.effect()) {
            case OPENS_SAVE_FD -> {
                saving = new SaveStream(this, backend.nextFd(), arc.to() == MigState.STOP_COPY);
                return saving;
            }
            case CONTINUES_FD -> {
                if (arc.to() == MigState.STOP_COPY) {
                    saving.enterStopCopy();
                }
                return null;
            }
            case ENDS_SAVE -> {
                disableFiles();
                return null;
            }
            case OPENS_RESUME_FD -> {
                resuming = new ResumeStream(this, backend.nextFd());
                return resuming;
            }
            case ENDS_RESUME -> {
                String problem = resuming.loadProblem();
                if (problem != null) {
                    throw error(Errno.EINVAL, SET_STATE, "RESUMING -> STOP refused: " + problem
                            + "; the device stays in RESUMING");
                }
                disableFiles();
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** mtty_disable_files: the driver drops its data transfer sessions. */
    private void disableFiles() {
        if (saving != null) {
            saving.disable();
            saving = null;
        }
        if (resuming != null) {
            resuming.disable();
            resuming = null;
        }
    }

    long migDataSize() throws VfioException {
        lock.lock();
        try {
            checkPresent(VfioCall.GET_MIG_DATA_SIZE.text());
            advance();
            if (saving != null) {
                return saving.stopCopyRemaining();
            }
            return StreamFormat.deviceRecordBytes(profile.driver())
                    + (long) image.pageCount() * StreamFormat.pageRecordBytes(image.pageBytes())
                    + StreamFormat.endRecordBytes();
        } finally {
            lock.unlock();
        }
    }

    void reset() throws VfioException {
        lock.lock();
        try {
            checkPresent(VfioCall.VFIO_DEVICE_RESET.text());
            returnToRunning();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: what reset and close_device do. */
    private void returnToRunning() {
        advance();
        state = MigState.RUNNING;
        disableFiles();
        dmaLog = null;
    }

    /** The session closed: close_device returns the device to its default and frees it. */
    void release(SimSession session) {
        lock.lock();
        try {
            if (!unplugged) {
                returnToRunning();
            }
            if (holder == session) {
                holder = null;
                precopyInfoV2 = false;
            }
        } finally {
            lock.unlock();
        }
    }

    void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
        String call = VfioCall.SET_DMA_LOGGING_START.text();
        lock.lock();
        try {
            checkLogging(call);
            // The core validates the ranges first; only then does the driver see that it is already logging.
            DmaLog.Problem p = DmaLog.validate(pageSize, ranges);
            if (p != null) {
                throw error(p.tooMany() ? Errno.E2BIG : Errno.EINVAL, call, p.sentence());
            }
            if (dmaLog != null) {
                throw error(Errno.EINVAL, call, "DMA logging is already started; DMA_LOGGING_STOP it first");
            }
            advance();
            dmaLog = new DmaLog(pageSize, ranges, image.seed() ^ clock.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
        String call = VfioCall.GET_DMA_LOGGING_REPORT.text();
        lock.lock();
        try {
            checkLogging(call);
            if (pageSize < DmaLog.MIN_PAGE_SIZE || Long.bitCount(pageSize) != 1) {
                throw error(Errno.EINVAL, call, "page_size " + pageSize + " is not a power of two of at least 4096");
            }
            if (iova + length < iova) {
                throw error(Errno.EOVERFLOW, call, "iova + length overflows");
            }
            if (dmaLog == null) {
                throw error(Errno.EINVAL, call, "DMA logging is not started; DMA_LOGGING_START first");
            }
            String problem = dmaLog.reportProblem(iova, length, pageSize);
            if (problem != null) {
                throw error(Errno.EINVAL, call, problem);
            }
            if (length / pageSize > (long) Integer.MAX_VALUE) {
                throw error(Errno.ENOMEM, call, "a bitmap for " + length / pageSize + " pages is too big; "
                        + "report the range in smaller pieces");
            }
            advance();
            return dmaLog.report(iova, length, pageSize);
        } finally {
            lock.unlock();
        }
    }

    void dmaLoggingStop() throws VfioException {
        String call = VfioCall.SET_DMA_LOGGING_STOP.text();
        lock.lock();
        try {
            checkLogging(call);
            // mlx5 and pds return 0 when logging was not started.
            dmaLog = null;
        } finally {
            lock.unlock();
        }
    }

    private void checkLogging(String call) throws VfioException {
        checkPresent(call);
        if (!profile.dmaLogging()) {
            throw error(Errno.ENOTTY, call, profile.driver() + " does not track its own DMA (no log_ops); "
                    + "dirty pages come from the IOMMU for this device");
        }
    }

    void injectFault(Arc arc, Errno errno, boolean leaveInError) {
        lock.lock();
        try {
            faults.put(arc, new Fault(errno, leaveInError, "injected fault"));
        } finally {
            lock.unlock();
        }
    }

    void randomFaults(long seed, double probability, Errno errno) {
        lock.lock();
        try {
            randomFaults = probability > 0 ? new RandomFaults(new SplittableRandom(seed), probability, errno) : null;
        } finally {
            lock.unlock();
        }
    }

    void clearFaults() {
        lock.lock();
        try {
            faults.clear();
            randomFaults = null;
        } finally {
            lock.unlock();
        }
    }

    void setSetStateDelay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("a delay cannot be negative");
        }
        setStateDelay = delay;
    }

    void setDirtyRate(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("a dirty rate cannot be negative");
        }
        lock.lock();
        try {
            advance();
            dirtyBytesPerSecond = bytesPerSecond;
        } finally {
            lock.unlock();
        }
    }

    void setLinkBandwidth(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("the link must carry some bytes per second");
        }
        lock.lock();
        try {
            linkBytesPerSecond = bytesPerSecond;
        } finally {
            lock.unlock();
        }
    }

    void unplug() {
        lock.lock();
        try {
            unplugged = true;
            disableFiles();
            dmaLog = null;
        } finally {
            lock.unlock();
        }
    }

    long stateDigest() {
        lock.lock();
        try {
            advance();
            return image.digest();
        } finally {
            lock.unlock();
        }
    }
}

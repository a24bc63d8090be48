package dev.migscope.testsupport;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.ArcEffect;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The one fake device of the tests: it walks {@link MigrationFsm} like a driver does, saves and
 * resumes its content through a {@link FakeStream}, and every call can be made to fail exactly where
 * a test wants (a SET that leaves the device mid-path, a GET that fails, an unplug, a data_fd read
 * that fails, a write the driver does not accept). It offers the {@link SimulationControls} a window
 * or a session drives a simulated device by, and can hold SETs on a latch so a test can look at
 * everything else while one blocks.
 *
 * <p>The scripting and inspection methods are synchronized: the session calls from its device thread
 * while the test thread scripts and inspects. A held SET, a SET's delay and the link's pace wait
 * outside the lock, so a listing or a test never waits behind them.
 */
public final class FakeDevice implements DeviceSession, SimulationControls {

    /** What a SET on an arc does instead of succeeding: fail with {@code errno}, end in {@code landIn} (null: the arc's source). */
    private record Fault(Errno errno, MigState landIn, int getsFailingAfter) {
    }

    private final DeviceInfo info;
    private final MigFeatures features;
    private MigState state = MigState.RUNNING;
    private byte[] content;
    private final Map<Arc, Fault> faults = new HashMap<>();
    private final List<MigState> sets = new ArrayList<>();
    private int gets;
    private int getAttempts;
    private boolean noMigration;
    private boolean acceptEmptyResume;
    private int resets;
    private int opens;
    private int failGets;
    private Errno getErrno;
    private boolean unplugged;
    private boolean closed;
    private FakeStream stream;
    private boolean returnNoResumeFd;
    private int dmaDirtyPagesPerReport;
    private boolean dmaLoggingActive;
    /** How this device's data_fds behave; {@link FakeStream} reads it under this device's lock. */
    final FakeStream.Script streams = new FakeStream.Script();

    private volatile Duration setDelay = Duration.ZERO;
    private volatile CountDownLatch setEntered = new CountDownLatch(1);
    private volatile CountDownLatch gate = new CountDownLatch(0);

    /** A device of {@code driver} with {@code features} whose saved state is {@code content}. */
    public FakeDevice(String id, String driver, MigFeatures features, byte[] content) {
        this.info = new DeviceInfo(id, DeviceKind.SIM, driver, "Fake", "fake device", "0x1234", "0x5678", 7, null,
                null, features, null, null);
        this.features = features;
        this.content = content.clone();
    }

    // ------------------------------------------------------------------ scripting (test thread)

    /** The next SET walking {@code from -> to} fails with {@code errno} and leaves the device in {@code landIn} (null: {@code from}). */
    public synchronized void failArc(MigState from, MigState to, Errno errno, MigState landIn) {
        faults.put(new Arc(from, to), new Fault(errno, landIn, 0));
    }

    /** As {@link #failArc}, and the {@code n} GETs after that failure fail with EIO too. */
    public synchronized void failArcAndGets(MigState from, MigState to, Errno errno, MigState landIn, int n) {
        faults.put(new Arc(from, to), new Fault(errno, landIn, n));
    }

    /** RESUMING -> STOP with nothing written keeps the content (for walks that only test the fsm). */
    public synchronized void acceptEmptyResume() {
        acceptEmptyResume = true;
    }

    /** GET MIGRATION fails with ENOTTY, as on a device without migration support. */
    public synchronized void noMigration() {
        noMigration = true;
    }

    public synchronized void failNextGets(int n, Errno errno) {
        failGets = n;
        getErrno = errno;
    }

    /** Reads of a saving data_fd fail with {@code errno} once {@code bytes} were read. */
    public synchronized void failReadsAfter(long bytes, Errno errno) {
        streams.readFaultAfter = bytes;
        streams.readErrno = errno;
    }

    /** A resuming data_fd's write() accepts no byte. */
    public synchronized void acceptNoWrites() {
        streams.writeAcceptsNothing = true;
    }

    /** The arc that opens a resuming data_fd returns none. */
    public synchronized void returnNoResumeFd() {
        returnNoResumeFd = true;
    }

    /**
     * With no data left, read() fails with ENOMSG instead of returning 0: in PRE_COPY (as mlx5 does),
     * and in STOP_COPY too when {@code inStopCopy} (the bug vfio.h forbids).
     */
    public synchronized void enomsgAtEnd(boolean inStopCopy) {
        streams.enomsgInPrecopy = true;
        streams.enomsgInStopCopy = inStopCopy;
    }

    /** The dirty_bytes PRECOPY_INFO reports. */
    public synchronized void setDirtyBytes(long b) {
        streams.dirtyBytes = b;
    }

    /** The most bytes one data_fd read returns. */
    public synchronized void setReadGranule(int g) {
        streams.readGranule = g;
    }

    /** Runs at the start of every data_fd read, on the device thread, under this device's lock. */
    public synchronized void onRead(Runnable r) {
        streams.onRead = r;
    }

    public synchronized void setDmaDirtyPagesPerReport(int n) {
        dmaDirtyPagesPerReport = n;
    }

    /** Puts the device in a state behind the session's back (another process, or a test's setup). */
    public synchronized void force(MigState s) {
        state = s;
    }

    /** Counted down when a SET begins, before it waits for {@link #releaseSets} and {@link #setSetStateDelay}. */
    public CountDownLatch setEntered() {
        return setEntered;
    }

    /** Makes every later SET wait, after {@link #setEntered}, until {@link #releaseSets}. */
    public void holdSets() {
        setEntered = new CountDownLatch(1);
        gate = new CountDownLatch(1);
    }

    public void releaseSets() {
        gate.countDown();
    }

    // ------------------------------------------------------------------ inspection (test thread)

    /** The state, read without a GET (so not counted in {@link #gets}). */
    public synchronized MigState state() {
        return state;
    }

    /** The targets of every SET, in order, also those that failed. */
    public synchronized List<MigState> sets() {
        return List.copyOf(sets);
    }

    /** GETs that reached a plugged device. */
    public synchronized int gets() {
        return gets;
    }

    /** GETs tried, also those that failed because the device was gone. */
    public synchronized int getAttempts() {
        return getAttempts;
    }

    public synchronized int resets() {
        return resets;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    public synchronized byte[] content() {
        return content.clone();
    }

    /** The bytes a save of the current content reads: {@link FakeStream}'s header, the content, its CRC. */
    public synchronized long streamLength() {
        return FakeStream.encodedLength(content);
    }

    public synchronized boolean hasOpenStream() {
        return stream != null;
    }

    public synchronized boolean isDmaLoggingActive() {
        return dmaLoggingActive;
    }

    // ------------------------------------------------------------------ DeviceSession (device thread)

    VfioException err(Errno e, VfioCall call, String msg) {
        return new VfioException(VfioError.of(e, call.text(), info.id(), msg));
    }

    /** Under the lock: ENODEV once unplugged. */
    void plugged(VfioCall call) throws VfioException {
        if (unplugged) {
            throw err(Errno.ENODEV, call, "unplugged");
        }
    }

    @Override
    public synchronized DeviceInfo info() {
        return info.withState(state);
    }

    @Override
    public synchronized MigFeatures migrationFeatures() throws VfioException {
        plugged(VfioCall.GET_MIGRATION);
        if (noMigration) {
            throw err(Errno.ENOTTY, VfioCall.GET_MIGRATION, "not migratable");
        }
        return features;
    }

    @Override
    public synchronized MigState getState() throws VfioException {
        getAttempts++;
        plugged(VfioCall.GET_MIG_DEVICE_STATE);
        gets++;
        if (failGets > 0) {
            failGets--;
            throw err(getErrno, VfioCall.GET_MIG_DEVICE_STATE, "scripted GET failure");
        }
        return state;
    }

    /** The driver's set_state loop: one fsm step after another, as vfio_mig_get_next_state dictates. */
    @Override
    public Optional<MigrationStream> setState(MigState target) throws VfioException {
        setEntered.countDown();
        try {
            gate.await();
            Duration delay = setDelay;
            if (!delay.isZero()) {
                TimeUnit.NANOSECONDS.sleep(delay.toNanos());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            return walk(target);
        }
    }

    private Optional<MigrationStream> walk(MigState target) throws VfioException {
        plugged(VfioCall.SET_MIG_DEVICE_STATE);
        sets.add(target);
        MigPath path = MigrationFsm.path(features, state, target);
        if (path.isRefused()) {
            throw err(Errno.EINVAL, VfioCall.SET_MIG_DEVICE_STATE, path.refusal().reason());
        }
        FakeStream opened = null;
        for (Arc arc : path.arcs()) {
            Fault f = faults.remove(arc);
            if (f != null) {
                state = f.landIn() == null ? arc.from() : f.landIn();
                if (f.getsFailingAfter() > 0) {
                    failGets = f.getsFailingAfter();
                    getErrno = Errno.EIO;
                }
                if (!state.isSaving() && state != MigState.RESUMING) {
                    dropStream();
                }
                throw err(f.errno(), VfioCall.SET_MIG_DEVICE_STATE, "scripted failure of " + arc);
            }
            ArcEffect effect = arc.effect();
            if (effect == ArcEffect.ENDS_RESUME) {
                byte[] written = stream.written();
                Optional<byte[]> loaded = written.length == 0 && acceptEmptyResume ? Optional.of(content)
                        : FakeStream.decode(written);
                if (loaded.isEmpty()) {
                    throw err(Errno.EINVAL, VfioCall.SET_MIG_DEVICE_STATE, "the resume data is not a valid stream");
                }
                content = loaded.get();
            }
            if (effect.endsSession()) {
                dropStream();
            }
            if (effect == ArcEffect.OPENS_SAVE_FD) {
                stream = FakeStream.saving(this, ++opens + 100, FakeStream.encode(content),
                        arc.to() != MigState.STOP_COPY);
                opened = stream;
            } else if (effect == ArcEffect.OPENS_RESUME_FD) {
                stream = FakeStream.resuming(this, ++opens + 100);
                opened = returnNoResumeFd ? null : stream;
            }
            state = arc.to();
        }
        return Optional.ofNullable(opened);
    }

    private void dropStream() {
        if (stream != null) {
            stream.invalidate();
            stream = null;
        }
    }

    @Override
    public synchronized long migDataSize() throws VfioException {
        plugged(VfioCall.GET_MIG_DATA_SIZE);
        return FakeStream.encodedLength(content);
    }

    @Override
    public boolean dmaLoggingSupported() {
        return true;
    }

    @Override
    public synchronized void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
        plugged(VfioCall.SET_DMA_LOGGING_START);
        dmaLoggingActive = true;
    }

    @Override
    public synchronized DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
        plugged(VfioCall.GET_DMA_LOGGING_REPORT);
        long[] words = new long[(int) ((length / pageSize + 63) / 64)];
        for (int i = 0; i < dmaDirtyPagesPerReport; i++) {
            words[i >>> 6] |= 1L << (i & 63);
        }
        return new DirtyBitmap(iova, length, pageSize, words);
    }

    @Override
    public synchronized void dmaLoggingStop() throws VfioException {
        plugged(VfioCall.SET_DMA_LOGGING_STOP);
        dmaLoggingActive = false;
    }

    @Override
    public synchronized void reset() throws VfioException {
        plugged(VfioCall.VFIO_DEVICE_RESET);
        resets++;
        dropStream();
        dmaLoggingActive = false;
        state = MigState.RUNNING;
    }

    @Override
    public Optional<SimulationControls> simulation() {
        return Optional.of(this);
    }

    @Override
    public synchronized void close() {
        dropStream();
        closed = true;
    }

    // ------------------------------------------------------------------ SimulationControls

    /** As {@link #failArc}: the device stays in the arc's source, or goes to ERROR when {@code leaveInError}. */
    @Override
    public synchronized void injectFault(Arc arc, Errno errno, boolean leaveInError) {
        faults.put(arc, new Fault(errno, leaveInError ? MigState.ERROR : null, 0));
    }

    @Override
    public synchronized void clearFaults() {
        faults.clear();
    }

    /** Every later SET blocks this long (of real time) before it begins its walk. */
    @Override
    public void setSetStateDelay(Duration delay) {
        setDelay = delay;
    }

    /** Refused: the fake's dirty bytes are scripted, with {@link #setDirtyBytes}. */
    @Override
    public void setDirtyRate(long bytesPerSecond) {
        throw new UnsupportedOperationException("a fake device's dirty bytes are set with setDirtyBytes");
    }

    /** Paces data_fd reads to this many bytes per second of real time; 0 (the default) does not pace them. */
    @Override
    public synchronized void setLinkBandwidth(long bytesPerSecond) {
        streams.bandwidth = bytesPerSecond;
    }

    /** Every later call fails with ENODEV. */
    @Override
    public synchronized void unplug() {
        unplugged = true;
    }

    /** CRC32 of the content: equal on two devices after a save on one was resumed into the other. */
    @Override
    public synchronized long stateDigest() {
        CRC32 crc = new CRC32();
        crc.update(content);
        return crc.getValue();
    }
}

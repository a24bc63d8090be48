package dev.migscope.ui.fake;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/** One fake device: the FSM walk, a data stream throttled to a link bandwidth, fault injection. */
public final class FakeDevice implements DeviceSession, SimulationControls {

    private static final String SET = "SET MIG_DEVICE_STATE";
    static final long STATE_BYTES = 4L << 20;

    private record Fault(Errno errno, boolean leaveInError) {
    }

    private final DeviceInfo info;
    private volatile MigState state = MigState.RUNNING;
    private final Map<Arc, Fault> faults = new HashMap<>();
    private volatile Duration setDelay = Duration.ZERO;
    private volatile long dirtyRate = 1L << 20;
    private volatile long bandwidth = 24L << 20;
    private volatile CountDownLatch setEntered = new CountDownLatch(1);
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private Stream stream;
    private int nextFd = 20;
    private boolean dmaLogging;

    FakeDevice(DeviceInfo info) {
        this.info = info;
    }

    DeviceInfo listing() {
        return info.withState(state);
    }

    public MigState state() {
        return state;
    }

    /** Counted down when a SET begins (after which it may sleep {@link #setSetStateDelay}). */
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

    @Override
    public DeviceInfo info() {
        return info.withState(state);
    }

    @Override
    public MigFeatures migrationFeatures() {
        return info.features();
    }

    @Override
    public MigState getState() {
        return state;
    }

    @Override
    public Optional<MigrationStream> setState(MigState target) throws VfioException {
        setEntered.countDown();
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!setDelay.isZero()) {
            try {
                Thread.sleep(setDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        MigPath path = MigrationFsm.path(info.features(), state, target);
        if (path.isRefused()) {
            throw new VfioException(VfioError.of(Errno.EINVAL, SET, info.id(), path.refusal().reason()));
        }
        Stream opened = null;
        for (Arc a : path.arcs()) {
            Fault f = faults.remove(a);
            if (f != null) {
                if (f.leaveInError()) {
                    state = MigState.ERROR;
                    stream = null;
                }
                throw new VfioException(VfioError.of(f.errno(), SET, info.id(), "injected fault on " + a));
            }
            state = a.to();
            switch (a.effect()) {
                case OPENS_SAVE_FD -> {
                    stream = new Stream(nextFd++, true);
                    opened = stream;
                }
                case OPENS_RESUME_FD -> {
                    stream = new Stream(nextFd++, false);
                    opened = stream;
                }
                case ENDS_SAVE, ENDS_RESUME -> stream = null;
                default -> { }
            }
        }
        return Optional.ofNullable(opened);
    }

    @Override
    public long migDataSize() {
        return STATE_BYTES + (stream != null && stream.saving ? stream.dirty() : 0);
    }

    @Override
    public boolean dmaLoggingSupported() {
        return info.features().has(MigFeature.P2P) && info.features().has(MigFeature.PRE_COPY);
    }

    @Override
    public void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
        if (!dmaLoggingSupported()) {
            throw new VfioException(VfioError.of(Errno.ENOTTY, "DMA_LOGGING_START", info.id(), "not supported"));
        }
        dmaLogging = true;
    }

    @Override
    public DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
        if (!dmaLogging) {
            throw new VfioException(VfioError.of(Errno.EINVAL, "DMA_LOGGING_REPORT", info.id(), "not logging"));
        }
        long[] words = new long[(int) Math.max(1, length / pageSize / 64)];
        words[0] = 0xF0F0L;
        return new DirtyBitmap(iova, length, pageSize, words);
    }

    @Override
    public void dmaLoggingStop() {
        dmaLogging = false;
    }

    @Override
    public void reset() {
        state = MigState.RUNNING;
        stream = null;
        dmaLogging = false;
    }

    @Override
    public Optional<SimulationControls> simulation() {
        return Optional.of(this);
    }

    @Override
    public void close() {
        stream = null;
    }

    @Override
    public synchronized void injectFault(Arc arc, Errno errno, boolean leaveInError) {
        faults.put(arc, new Fault(errno, leaveInError));
    }

    @Override
    public synchronized void clearFaults() {
        faults.clear();
    }

    @Override
    public void setSetStateDelay(Duration delay) {
        setDelay = delay;
    }

    @Override
    public void setDirtyRate(long bytesPerSecond) {
        dirtyRate = bytesPerSecond;
    }

    @Override
    public void setLinkBandwidth(long bytesPerSecond) {
        bandwidth = bytesPerSecond;
    }

    @Override
    public void unplug() {
        throw new UnsupportedOperationException("fake devices stay plugged");
    }

    @Override
    public long stateDigest() {
        return 0;
    }

    /** A data_fd: initial bytes, then what got dirty while PRE_COPY ran; reads are paced by the link. */
    private final class Stream implements MigrationStream {
        private final int fd;
        private final boolean saving;
        private long initialLeft = STATE_BYTES;
        private long dirtyRead;
        private long transferred;
        private final long opened = System.nanoTime();
        private long stopCopyLeft = -1;

        Stream(int fd, boolean saving) {
            this.fd = fd;
            this.saving = saving;
        }

        long dirty() {
            double secs = (System.nanoTime() - opened) / 1e9;
            return Math.max(0, (long) (secs * dirtyRate) - dirtyRead);
        }

        @Override
        public int fd() {
            return fd;
        }

        @Override
        public int read(ByteBuffer dst) throws VfioException {
            if (!saving) {
                throw new VfioException(VfioError.of(Errno.EINVAL, "read(data_fd)", info.id(), "resuming fd"));
            }
            long avail;
            if (state == MigState.STOP_COPY) {
                if (stopCopyLeft < 0) {
                    stopCopyLeft = initialLeft + dirty() + (1L << 20);
                }
                avail = stopCopyLeft;
            } else {
                avail = initialLeft + dirty();
            }
            int n = (int) Math.min(Math.min(avail, dst.remaining()), 256 << 10);
            if (n <= 0) {
                return 0;
            }
            pace(n);
            dst.position(dst.position() + n);
            if (state == MigState.STOP_COPY) {
                stopCopyLeft -= n;
            } else {
                long fromInitial = Math.min(initialLeft, n);
                initialLeft -= fromInitial;
                dirtyRead += n - fromInitial;
            }
            transferred += n;
            return n;
        }

        private void pace(int n) {
            try {
                Thread.sleep(Math.max(1, n * 1000L / bandwidth));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public boolean poll(long timeoutMillis) {
            try {
                Thread.sleep(Math.min(timeoutMillis, 20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            transferred += n;
            return n;
        }

        @Override
        public PrecopyInfo precopyInfo() throws VfioException {
            if (state != MigState.PRE_COPY && state != MigState.PRE_COPY_P2P) {
                throw new VfioException(VfioError.of(Errno.EINVAL, "VFIO_MIG_GET_PRECOPY_INFO", info.id(),
                        "not in PRE_COPY"));
            }
            return new PrecopyInfo(initialLeft, dirty());
        }

        @Override
        public long bytesTransferred() {
            return transferred;
        }

        @Override
        public void close() {
        }
    }
}

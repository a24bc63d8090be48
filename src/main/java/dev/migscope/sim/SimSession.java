package dev.migscope.sim;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.Owner;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** An open simulated device: the uAPI calls and the simulation's controls. */
public final class SimSession implements DeviceSession, SimulationControls {

    private final SimDevice device;
    private final Owner owner;
    private volatile boolean closed;

    SimSession(SimDevice device) {
        this.device = device;
        this.owner = new Owner((int) ProcessHandle.current().pid(), "migscope");
    }

    Owner owner() {
        return owner;
    }

    private void check(String call) throws VfioException {
        if (closed) {
            throw device.error(Errno.EBADF, call, "this session is closed; open the device again");
        }
        device.checkPresent(call);
    }

    @Override
    public DeviceInfo info() {
        return device.info();
    }

    @Override
    public MigFeatures migrationFeatures() throws VfioException {
        check(VfioCall.GET_MIGRATION.text());
        return device.profile.features();
    }

    @Override
    public MigState getState() throws VfioException {
        check(VfioCall.GET_MIG_DEVICE_STATE.text());
        return device.state();
    }

    @Override
    public Optional<MigrationStream> setState(MigState target) throws VfioException {
        check(VfioCall.SET_MIG_DEVICE_STATE.text());
        return device.setState(target);
    }

    @Override
    public long migDataSize() throws VfioException {
        check(VfioCall.GET_MIG_DATA_SIZE.text());
        return device.migDataSize();
    }

    @Override
    public boolean dmaLoggingSupported() {
        return device.profile.dmaLogging();
    }

    @Override
    public void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
        check(VfioCall.SET_DMA_LOGGING_START.text());
        device.dmaLoggingStart(pageSize, ranges);
    }

    @Override
    public DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
        check(VfioCall.GET_DMA_LOGGING_REPORT.text());
        return device.dmaLoggingReport(iova, length, pageSize);
    }

    @Override
    public void dmaLoggingStop() throws VfioException {
        check(VfioCall.SET_DMA_LOGGING_STOP.text());
        device.dmaLoggingStop();
    }

    @Override
    public void probePrecopyInfoV2() throws VfioException {
        precopyInfoV2(VfioCall.PROBE_MIG_PRECOPY_INFO_V2.text());
    }

    /** Accepted as Linux 7.1 accepts it: from now on PRECOPY_INFO's flags are output (REINIT). */
    @Override
    public void enablePrecopyInfoV2() throws VfioException {
        precopyInfoV2(VfioCall.SET_MIG_PRECOPY_INFO_V2.text());
        device.lock.lock();
        try {
            device.enablePrecopyInfoV2();
        } finally {
            device.lock.unlock();
        }
    }

    /** vfio_ioctl_device_feature_migration_precopy_info_v2: EINVAL without PRE_COPY. */
    private void precopyInfoV2(String call) throws VfioException {
        check(call);
        if (!device.profile.features().has(MigFeature.PRE_COPY)) {
            throw device.error(Errno.EINVAL, call, "the device has no PRE_COPY: the kernel accepts the "
                    + "PRECOPY_INFOv2 opt-in only from a device with VFIO_MIGRATION_PRE_COPY");
        }
    }

    @Override
    public void reset() throws VfioException {
        check(VfioCall.VFIO_DEVICE_RESET.text());
        device.reset();
    }

    @Override
    public Optional<SimulationControls> simulation() {
        return Optional.of(this);
    }

    @Override
    public void injectFault(Arc arc, Errno errno, boolean leaveInError) {
        device.injectFault(arc, errno, leaveInError);
    }

    /**
     * Makes every step fail with {@code errno} with this probability, drawn from a generator seeded
     * with {@code seed} (so a failing property test replays); the device stays where the step began.
     * A probability of 0 turns it off.
     */
    public void randomFaults(long seed, double probability, Errno errno) {
        device.randomFaults(seed, probability, errno);
    }

    @Override
    public void clearFaults() {
        device.clearFaults();
    }

    @Override
    public void setSetStateDelay(Duration delay) {
        device.setSetStateDelay(delay);
    }

    @Override
    public void setDirtyRate(long bytesPerSecond) {
        device.setDirtyRate(bytesPerSecond);
    }

    @Override
    public void setLinkBandwidth(long bytesPerSecond) {
        device.setLinkBandwidth(bytesPerSecond);
    }

    @Override
    public void unplug() {
        device.unplug();
    }

    @Override
    public long stateDigest() {
        return device.stateDigest();
    }

    /** The workload this device was created with. */
    public SimProfile profile() {
        return device.profile;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.release(this);
        }
    }
}

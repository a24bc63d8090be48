package dev.migscope.device;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.util.List;
import java.util.Optional;

/**
 * A {@link DeviceSession} that hands every call to another: a decorator (a driver defect, a kernel
 * without a feature) overrides only the calls it changes.
 */
public abstract class ForwardingDeviceSession implements DeviceSession {

    private final DeviceSession inner;

    protected ForwardingDeviceSession(DeviceSession inner) {
        this.inner = inner;
    }

    /** The session every call goes to. */
    protected DeviceSession inner() {
        return inner;
    }

    @Override
    public DeviceInfo info() {
        return inner.info();
    }

    @Override
    public MigFeatures migrationFeatures() throws VfioException {
        return inner.migrationFeatures();
    }

    @Override
    public MigState getState() throws VfioException {
        return inner.getState();
    }

    @Override
    public Optional<MigrationStream> setState(MigState target) throws VfioException {
        return inner.setState(target);
    }

    @Override
    public long migDataSize() throws VfioException {
        return inner.migDataSize();
    }

    @Override
    public boolean dmaLoggingSupported() {
        return inner.dmaLoggingSupported();
    }

    @Override
    public void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
        inner.dmaLoggingStart(pageSize, ranges);
    }

    @Override
    public DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
        return inner.dmaLoggingReport(iova, length, pageSize);
    }

    @Override
    public void dmaLoggingStop() throws VfioException {
        inner.dmaLoggingStop();
    }

    @Override
    public void probePrecopyInfoV2() throws VfioException {
        inner.probePrecopyInfoV2();
    }

    @Override
    public void enablePrecopyInfoV2() throws VfioException {
        inner.enablePrecopyInfoV2();
    }

    @Override
    public void reset() throws VfioException {
        inner.reset();
    }

    @Override
    public Optional<SimulationControls> simulation() {
        return inner.simulation();
    }

    @Override
    public void close() {
        inner.close();
    }
}

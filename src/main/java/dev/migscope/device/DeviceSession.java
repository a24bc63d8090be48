package dev.migscope.device;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.util.List;
import java.util.Optional;

/**
 * One open device: the raw uAPI calls, one call per method. Not thread-safe: the session layer
 * calls it from its single device thread only. Policy (paths, arming, re-reading after errors)
 * lives above this interface, in one place.
 */
public interface DeviceSession extends AutoCloseable {

    DeviceInfo info();

    /** GET VFIO_DEVICE_FEATURE_MIGRATION; ENOTTY when the device has no migration support. */
    MigFeatures migrationFeatures() throws VfioException;

    /** GET VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE. */
    MigState getState() throws VfioException;

    /**
     * SET VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: one ioctl. The kernel walks multi-step pairs
     * itself (vfio_mig_get_next_state); after a failure the state is unknown until re-read.
     *
     * @return the data_fd when the (final) arc begins a saving or resuming session
     */
    Optional<MigrationStream> setState(MigState target) throws VfioException;

    /** GET VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: the stop_copy_length estimate in bytes. */
    long migDataSize() throws VfioException;

    /** PROBE VFIO_DEVICE_FEATURE_DMA_LOGGING_START: true when the device tracks its own DMA. */
    boolean dmaLoggingSupported();

    /** SET DMA_LOGGING_START over the ranges with the given page size. */
    void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException;

    /** GET DMA_LOGGING_REPORT for one range; reading clears the reported bits. */
    DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException;

    /** SET DMA_LOGGING_STOP. */
    void dmaLoggingStop() throws VfioException;

    /**
     * PROBE SET VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 (Linux 7.1+): succeeds when the opt-in
     * below would. Fails with ENOTTY on a kernel that predates the feature and with EINVAL on a
     * device without PRE_COPY. A backend that does not know the feature answers as such a kernel.
     */
    default void probePrecopyInfoV2() throws VfioException {
        throw new VfioException(VfioError.of(Errno.ENOTTY, "VFIO_DEVICE_FEATURE PROBE MIG_PRECOPY_INFOv2",
                info().id(), "this device's backend has no PRECOPY_INFOv2 (Linux 7.1's vfio.h)"));
    }

    /**
     * SET VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2: from now until the device is closed, the flags of
     * every {@link MigrationStream#precopyInfo()} are output ({@link PrecopyInfo#reinit() REINIT}).
     * Errors as {@link #probePrecopyInfoV2()}.
     */
    default void enablePrecopyInfoV2() throws VfioException {
        throw new VfioException(VfioError.of(Errno.ENOTTY, "VFIO_DEVICE_FEATURE SET MIG_PRECOPY_INFOv2",
                info().id(), "this device's backend has no PRECOPY_INFOv2 (Linux 7.1's vfio.h)"));
    }

    /** VFIO_DEVICE_RESET: the only way out of ERROR; the device returns to RUNNING. */
    void reset() throws VfioException;

    /** Controls only a simulated device has (fault injection, workload, unplug). */
    default Optional<SimulationControls> simulation() {
        return Optional.empty();
    }

    /** Closes the data_fd (if any), the device fd and whatever the open needed, in reverse order. */
    @Override
    void close();
}

package dev.migscope.conform;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks one device's migration support against every rule of the v2 uAPI (issue 8): features,
 * every direct arc and its data_fd, every multi-step pair, every refusal, PRECOPY_INFO, the
 * STOP_COPY stream and MIG_DATA_SIZE, resume (into a peer with {@code --peer}), reset, DMA
 * logging, and the SET latency of each arc. One {@link Checker} per area of rules, in a fixed
 * order over one {@link CheckContext}; calls go straight through the device SPI on the caller's
 * thread. Whatever happens, the run ends by bringing the device (and the peer) back to RUNNING,
 * and says whether it could.
 */
public final class ConformanceRun {

    /**
     * The order is the report's, and the device's path through the run: the STOP_COPY stream comes
     * first because the arcs out of RESUMING and the resume checks load the stream it saves.
     */
    private static final List<Checker> CHECKERS = List.of(new StopCopyChecker(), new ArcChecker(),
            new PathChecker(), new RefusalChecker(), new PrecopyChecker(), new PrecopyInfoV2Checker(),
            new ResumeChecker(), new ResetChecker(), new DmaLoggingChecker());

    private final DeviceRegistry registry;
    private final String deviceId;
    private final String peerId;
    private final ConformanceOptions options;

    /**
     * @param peerId the device to resume the saved stream into, or null to resume into the device itself
     */
    public ConformanceRun(DeviceRegistry registry, String deviceId, String peerId, ConformanceOptions options) {
        this.registry = registry;
        this.deviceId = deviceId;
        this.peerId = peerId;
        this.options = options;
    }

    /**
     * Runs every check.
     *
     * @throws VfioException when the device (or the peer) cannot be opened: nothing was checked
     */
    public ConformanceReport run() throws VfioException {
        List<ConformanceReport.Restore> restores = new ArrayList<>();
        try (DeviceSession session = registry.open(deviceId);
                DeviceSession peerSession = peerId == null ? null : registry.open(peerId)) {
            String driver = session.info().driver();
            CheckContext c = new CheckContext(deviceId, new DeviceUnderTest(session),
                    peerSession == null ? null : new DeviceUnderTest(peerSession), options);
            try {
                if (DeviceChecker.ready(c)) {
                    for (Checker checker : CHECKERS) {
                        checker.check(c);
                    }
                }
            } finally {
                // A device without migration support has no state to restore; a reset would only disturb it.
                restores.add(c.features() == null ? new ConformanceReport.Restore(deviceId, false, null,
                        "not touched: GET MIGRATION failed, the device has no migration state") : restore(c.dev));
                if (c.peer != null) {
                    restores.add(restore(c.peer));
                }
                c.deleteImage();
            }
            return new ConformanceReport(deviceId, driver, c.features(), peerId, options.repeats(), c.results,
                    c.notApplicable, c.latency, restores);
        }
    }

    private static ConformanceReport.Restore restore(DeviceUnderTest d) {
        String how;
        try {
            how = d.normalize();
        } catch (VfioException e) {
            how = e.error().message();
        } catch (RuntimeException e) {
            how = "restoring failed: " + e;
        }
        try {
            MigState s = d.get();
            return new ConformanceReport.Restore(d.id, s == MigState.RUNNING, s, how);
        } catch (VfioException e) {
            return new ConformanceReport.Restore(d.id, false, null, how + "; GET failed: " + DeviceUnderTest.errno(e));
        }
    }
}

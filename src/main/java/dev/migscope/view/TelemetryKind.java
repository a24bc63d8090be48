package dev.migscope.view;

/**
 * Which figures a view's telemetry carries, so a front end shows the charts that fit it without
 * knowing the kind of view.
 */
public enum TelemetryKind {
    /**
     * A device's own, read through the uAPI: data_fd throughput by phase, PRECOPY_INFO's
     * initial_bytes and dirty_bytes, the dirty rate, MIG_DATA_SIZE's stop_copy_length.
     */
    DEVICE,
    /**
     * A QEMU migration's, from query-migrate polls: vfio.transferred and its rate by the device's
     * phase, RAM bytes/s, RAM dirty pages rate, expected downtime against downtime-limit.
     */
    QEMU_MIGRATION
}

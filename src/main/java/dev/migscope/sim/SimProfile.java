package dev.migscope.sim;

import dev.migscope.fsm.MigFeatures;
import java.util.Set;

/**
 * What a simulated driver imitates and how its device behaves: the feature set it reports in GET
 * MIGRATION, and the workload (state size, PRE_COPY initial image, dirty rate, link, DMA writes).
 *
 * @param driver                 the driver name shown in listings ({@code sim_mlx5})
 * @param features               GET MIGRATION
 * @param vendorName             who makes the device it imitates
 * @param deviceName             what it imitates, naming the real driver
 * @param stateBytes             the device's internal state; a multiple of {@link #PAGE_BYTES}
 * @param precopyInitialBytes    the part of the state PRE_COPY offers as initial_bytes; the rest
 *                               comes only in STOP_COPY (0 without PRE_COPY)
 * @param dirtyBytesPerSecond    state dirtied while the device runs
 * @param linkBytesPerSecond     how fast the data_fd drains
 * @param dmaLogging             true when the driver implements DMA_LOGGING_* (log_ops)
 * @param dmaDirtyPagesPerSecond guest pages the device writes by DMA while it runs
 * @param quirks                 how the imitated driver differs from mtty where drivers may differ
 */
public record SimProfile(
        String driver,
        MigFeatures features,
        String vendorName,
        String deviceName,
        long stateBytes,
        long precopyInitialBytes,
        long dirtyBytesPerSecond,
        long linkBytesPerSecond,
        boolean dmaLogging,
        long dmaDirtyPagesPerSecond,
        Set<Quirk> quirks) {

    /** The unit the state is dirtied and streamed in: one record carries one page. */
    public static final int PAGE_BYTES = 64 * 1024;

    private static final long MIB = 1024 * 1024;

    public SimProfile {
        if (stateBytes <= 0 || stateBytes % PAGE_BYTES != 0) {
            throw new IllegalArgumentException("stateBytes must be a positive multiple of " + PAGE_BYTES);
        }
        if (precopyInitialBytes < 0 || precopyInitialBytes > stateBytes || precopyInitialBytes % PAGE_BYTES != 0) {
            throw new IllegalArgumentException("precopyInitialBytes must be a multiple of " + PAGE_BYTES
                    + " within the state");
        }
        if (dirtyBytesPerSecond < 0 || linkBytesPerSecond <= 0 || dmaDirtyPagesPerSecond < 0) {
            throw new IllegalArgumentException("rates must not be negative and the link must move data");
        }
        quirks = Set.copyOf(quirks);
    }

    /** A profile whose driver has none of the {@link Quirk}s: it behaves as mtty does. */
    public SimProfile(String driver, MigFeatures features, String vendorName, String deviceName, long stateBytes,
            long precopyInitialBytes, long dirtyBytesPerSecond, long linkBytesPerSecond, boolean dmaLogging,
            long dmaDirtyPagesPerSecond) {
        this(driver, features, vendorName, deviceName, stateBytes, precopyInitialBytes, dirtyBytesPerSecond,
                linkBytesPerSecond, dmaLogging, dmaDirtyPagesPerSecond, Set.of());
    }

    /** Imitates mlx5_vfio_pci (and mtty): every feature, a state QEMU pre-copies comfortably. */
    public static SimProfile mlx5() {
        return new SimProfile("sim_mlx5", MigFeatures.parse("stop-copy,p2p,pre-copy"), "Mellanox Technologies",
                "ConnectX VF (simulated, imitates mlx5_vfio_pci)",
                48 * MIB, 32 * MIB, 20 * MIB, 200 * MIB, true, 2_000);
    }

    /**
     * mlx5 that reconfigures during PRE_COPY ({@link Quirk#REINIT_IN_PRE_COPY}): after the
     * PRECOPY_INFOv2 opt-in it reports REINIT, as mlx5_vfio_pci does on Linux 7.1+ with firmware
     * support.
     */
    public static SimProfile mlx5Reinit() {
        return new SimProfile("sim_mlx5", MigFeatures.ALL, "Mellanox Technologies",
                "ConnectX VF (simulated, imitates mlx5_vfio_pci reconfiguring during PRE_COPY: REINIT)",
                48 * MIB, 32 * MIB, 20 * MIB, 200 * MIB, true, 2_000,
                Set.of(Quirk.REINIT_IN_PRE_COPY));
    }

    /**
     * Imitates xe_vfio_pci (Intel Xe VFs, Linux 6.19; its data_fd is {@code xe_vfio_mig}): STOP_COPY
     * and P2P without PRE_COPY, and RUNNING_P2P behaves as STOP.
     */
    public static SimProfile xe() {
        return new SimProfile("sim_xe", MigFeatures.parse("stop-copy,p2p"), "Intel Corporation",
                "Xe VF (simulated, imitates xe_vfio_pci)",
                32 * MIB, 0, 16 * MIB, 200 * MIB, false, 0, Set.of(Quirk.RUNNING_P2P_IS_STOP));
    }

    /** Imitates hisi_acc_vfio_pci: PRE_COPY without P2P, no device DMA tracking. */
    public static SimProfile hisiAcc() {
        return new SimProfile("sim_hisi_acc", MigFeatures.parse("stop-copy,pre-copy"), "HiSilicon",
                "Accelerator VF (simulated, imitates hisi_acc_vfio_pci)",
                24 * MIB, 8 * MIB, 8 * MIB, 150 * MIB, false, 0);
    }

    /** Imitates pds_vfio_pci: P2P and DMA logging, but no PRE_COPY. */
    public static SimProfile pds() {
        return new SimProfile("sim_pds", MigFeatures.parse("stop-copy,p2p"), "AMD Pensando",
                "DSC VF (simulated, imitates pds_vfio_pci)",
                32 * MIB, 0, 16 * MIB, 100 * MIB, true, 1_500);
    }

    /** The least a v2 driver can be: STOP_COPY only. */
    public static SimProfile stopCopyOnly() {
        return new SimProfile("sim_stop_copy", MigFeatures.STOP_COPY_ONLY, "migscope",
                "Minimal STOP_COPY-only device (simulated)",
                16 * MIB, 0, 4 * MIB, 100 * MIB, false, 0);
    }

    /** mlx5 geometry, but it dirties faster than the link drains: PRE_COPY never converges. */
    public static SimProfile nonConverging() {
        return new SimProfile("sim_mlx5", MigFeatures.ALL, "Mellanox Technologies",
                "ConnectX VF (simulated, non-converging: dirty rate above the link bandwidth)",
                48 * MIB, 32 * MIB, 300 * MIB, 100 * MIB, true, 20_000);
    }

    public int pageCount() {
        return (int) (stateBytes / PAGE_BYTES);
    }

    public int precopyInitialPages() {
        return (int) (precopyInitialBytes / PAGE_BYTES);
    }
}

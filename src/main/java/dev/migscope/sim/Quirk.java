package dev.migscope.sim;

/**
 * A way real drivers differ where vfio.h lets them, or where what they do is the custom rather
 * than the rule: the simulator's one home for them. A {@link SimProfile} carries the quirks of the
 * driver it imitates; without a quirk a simulated device behaves as mtty, the kernel's sample
 * driver, does. The deliberately broken behaviours are {@link Defect}s, not quirks.
 */
public enum Quirk {
    /**
     * read() on the saving data_fd fails with ENOMSG at PRE_COPY's temporary end, the form vfio.h
     * asks for (mlx5 and virtio do); without it read() returns 0 there, as mtty and hisi_acc do.
     * STOP_COPY's permanent end is read() == 0 either way.
     */
    ENOMSG_AT_PRE_COPY_END,
    /**
     * The device reconfigures once during PRE_COPY, right after its initial data was read: it has
     * new initial data (mlx5 with firmware support). After the PRECOPY_INFOv2 opt-in the next
     * PRECOPY_INFO says REINIT, initial_bytes grows again and dirty_bytes restarts from 0; without
     * the opt-in the driver may not say REINIT, so the new data goes out as dirty pages.
     */
    REINIT_IN_PRE_COPY,
    /** RUNNING_P2P behaves as STOP: the device does nothing, so its state does not change (xe_vfio_pci). */
    RUNNING_P2P_IS_STOP
}

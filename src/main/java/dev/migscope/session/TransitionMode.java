package dev.migscope.session;

/** How a multi-step transition reaches the device. */
public enum TransitionMode {
    /** One SET per direct arc of the fsm path, so every step is seen, timed and logged. */
    STEPWISE,
    /** One SET of the target; the kernel walks the path itself (vfio_mig_get_next_state), as QEMU does. */
    KERNEL
}

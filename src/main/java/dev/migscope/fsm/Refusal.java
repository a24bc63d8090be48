package dev.migscope.fsm;

/** Why {@code vfio_mig_get_next_state()} returns -EINVAL for a (current, target) pair. */
public enum Refusal {
    /** The device lacks a feature the target state needs (state_flags_table check on new_fsm). */
    TARGET_NEEDS_FEATURE("the device lacks the feature the target state needs"),
    /** The current state needs features the device lacks: a driver bug (WARN_ON in the kernel). */
    CURRENT_NEEDS_FEATURE("the current state needs a feature the device lacks (a driver bug)"),
    /** ERROR cannot be requested: state_flags_table[ERROR] is ~0U. */
    TARGET_IS_ERROR("ERROR cannot be requested; the kernel enters it only when an arc fails"),
    /** Only VFIO_DEVICE_RESET leaves ERROR. */
    FROM_ERROR("the device is in ERROR; only VFIO_DEVICE_RESET leaves it (back to RUNNING)"),
    /** STOP_COPY -> PRE_COPY(_P2P) is blocked by the uAPI. */
    STOP_COPY_TO_PRE_COPY("STOP_COPY -> PRE_COPY and STOP_COPY -> PRE_COPY_P2P are not permitted by the uAPI");

    private final String reason;

    Refusal(String reason) {
        this.reason = reason;
    }

    /** A sentence for the user. */
    public String reason() {
        return reason;
    }
}

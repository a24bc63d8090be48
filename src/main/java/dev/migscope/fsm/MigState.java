package dev.migscope.fsm;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code enum vfio_device_mig_state} of include/uapi/linux/vfio.h. The numbers are ABI:
 * they are what VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE carries in {@code device_state}.
 */
public enum MigState {
    ERROR(0, "The driver could neither complete the arc nor return to a valid state. "
            + "Only VFIO_DEVICE_RESET leaves it (back to RUNNING)."),
    STOP(1, "The device does not change its internal state, does not DMA and does not "
            + "raise interrupts; its registers may be read but must not be touched."),
    RUNNING(2, "The device is fully operational (the default, also for userspace that knows "
            + "nothing of migration)."),
    STOP_COPY(3, "STOP, plus the data transfer session streams the device state; "
            + "end of stream on the data_fd means all of it has been transferred."),
    RESUMING(4, "The device is restoring its state from the data written to the data_fd; "
            + "leaving to STOP makes the driver load and validate it."),
    RUNNING_P2P(5, "RUNNING, but quiesced for peer to peer: the device initiates no new P2P DMA."),
    PRE_COPY(6, "RUNNING while a data transfer session streams the initial state and "
            + "what gets dirty, ahead of STOP_COPY."),
    PRE_COPY_P2P(7, "PRE_COPY, partially running in the P2P quiescent state like RUNNING_P2P.");

    private static final MigState[] BY_ABI = new MigState[8];

    static {
        for (MigState s : values()) {
            BY_ABI[s.abi] = s;
        }
    }

    private final int abi;
    private final String meaning;

    MigState(int abi, String meaning) {
        this.abi = abi;
        this.meaning = meaning;
    }

    /** The number in {@code device_state}. */
    public int abi() {
        return abi;
    }

    /** What the state means, in the words of vfio.h (for tooltips and {@code show}). */
    public String meaning() {
        return meaning;
    }

    /** The features a device must report in GET MIGRATION to be able to enter this state. */
    public MigFeatures requiredFeatures() {
        return switch (this) {
            case ERROR -> MigFeatures.ALL; // state_flags_table[ERROR] = ~0U: never a valid target
            case STOP, RUNNING, STOP_COPY, RESUMING -> MigFeatures.STOP_COPY_ONLY;
            case RUNNING_P2P -> MigFeatures.of(MigFeature.STOP_COPY, MigFeature.P2P);
            case PRE_COPY -> MigFeatures.of(MigFeature.STOP_COPY, MigFeature.PRE_COPY);
            case PRE_COPY_P2P -> MigFeatures.ALL;
        };
    }

    /** The saving group: PRE_COPY, PRE_COPY_P2P, STOP_COPY share one data transfer session. */
    public boolean isSaving() {
        return this == PRE_COPY || this == PRE_COPY_P2P || this == STOP_COPY;
    }

    public static Optional<MigState> fromAbi(int abi) {
        return abi >= 0 && abi < BY_ABI.length ? Optional.of(BY_ABI[abi]) : Optional.empty();
    }

    /**
     * Parses a state name as the uAPI spells it, with or without the
     * {@code VFIO_DEVICE_STATE_} prefix, in any case; '-' is accepted for '_'.
     */
    public static Optional<MigState> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.startsWith("VFIO_DEVICE_STATE_")) {
            n = n.substring("VFIO_DEVICE_STATE_".length());
        }
        for (MigState s : values()) {
            if (s.name().equals(n)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}

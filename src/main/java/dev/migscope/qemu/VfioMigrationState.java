package dev.migscope.qemu;

import dev.migscope.fsm.MigState;
import java.util.Optional;

/**
 * QAPI's {@code QapiVfioMigrationState} (qapi/vfio.json), the {@code device-state} of a
 * {@code VFIO_MIGRATION} event, mapped to the uAPI's names here, at the edge.
 */
public enum VfioMigrationState {
    STOP("stop", MigState.STOP, false),
    RUNNING("running", MigState.RUNNING, false),
    STOP_COPY("stop-copy", MigState.STOP_COPY, false),
    RESUMING("resuming", MigState.RESUMING, false),
    RUNNING_P2P("running-p2p", MigState.RUNNING_P2P, false),
    PRE_COPY("pre-copy", MigState.PRE_COPY, false),
    PRE_COPY_P2P("pre-copy-p2p", MigState.PRE_COPY_P2P, false),
    /**
     * QEMU 11: about to SET PRE_COPY_P2P. Not a device state: the device is still where it was, and
     * the SET may fail or go elsewhere (qapi/vfio.json).
     */
    PRE_COPY_P2P_PREPARE("pre-copy-p2p-prepare", MigState.PRE_COPY_P2P, true);

    private final String qapiName;
    private final MigState state;
    private final boolean prepare;

    VfioMigrationState(String qapiName, MigState state, boolean prepare) {
        this.qapiName = qapiName;
        this.state = state;
        this.prepare = prepare;
    }

    /** QEMU's spelling: {@code pre-copy-p2p}. */
    public String qapiName() {
        return qapiName;
    }

    /** The state the device reached or, for a prepare state, the state QEMU is about to SET. */
    public MigState state() {
        return state;
    }

    /** True for a "prepare" value: an announcement, not a change of the device's state. */
    public boolean isPrepare() {
        return prepare;
    }

    public static Optional<VfioMigrationState> parse(String qapiName) {
        for (VfioMigrationState s : values()) {
            if (s.qapiName.equals(qapiName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}

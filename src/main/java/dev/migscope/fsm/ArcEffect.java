package dev.migscope.fsm;

/** What an arc does to the data transfer session, as vfio.h describes each arc. */
public enum ArcEffect {
    /** RUNNING->PRE_COPY, RUNNING_P2P->PRE_COPY_P2P, STOP->STOP_COPY: begin saving, return a new data_fd. */
    OPENS_SAVE_FD,
    /** STOP->RESUMING: begin restoring, return a new data_fd. */
    OPENS_RESUME_FD,
    /** PRE_COPY(_P2P)->STOP_COPY, PRE_COPY<->PRE_COPY_P2P: inside the saving group; the same data_fd goes on. */
    CONTINUES_FD,
    /** STOP_COPY->STOP, PRE_COPY->RUNNING, PRE_COPY_P2P->RUNNING_P2P: the saving session ends. */
    ENDS_SAVE,
    /** RESUMING->STOP: the driver loads and validates what was written; the resuming session ends. */
    ENDS_RESUME,
    /** No data transfer session is involved. */
    NONE;

    public static ArcEffect of(MigState from, MigState to) {
        if (to == MigState.RESUMING && from == MigState.STOP) {
            return OPENS_RESUME_FD;
        }
        if (from == MigState.RESUMING && to == MigState.STOP) {
            return ENDS_RESUME;
        }
        if (to.isSaving() && !from.isSaving()) {
            return OPENS_SAVE_FD;
        }
        if (to.isSaving()) {
            return CONTINUES_FD;
        }
        if (from.isSaving()) {
            return ENDS_SAVE;
        }
        return NONE;
    }

    /** True when the SET that takes this arc returns a data_fd. */
    public boolean opensDataFd() {
        return this == OPENS_SAVE_FD || this == OPENS_RESUME_FD;
    }

    /** True when the arc closes the saving or resuming session. */
    public boolean endsSession() {
        return this == ENDS_SAVE || this == ENDS_RESUME;
    }
}

package dev.migscope.view;

/** Progress of a save or resume, reported from the device thread. */
@FunctionalInterface
public interface Progress {
    /**
     * @param phase     PRE_COPY, STOP_COPY or RESUMING
     * @param bytes     bytes moved so far in the whole operation
     * @param estimate  the total expected, never below {@code bytes}; 0 when unknown (show it
     *                  indeterminate). A save starts from MIG_DATA_SIZE; a device that keeps
     *                  dirtying sends more than that, so once the bytes pass it the session
     *                  estimates again from what the device says is left (MIG_DATA_SIZE, and in
     *                  PRE_COPY initial_bytes + dirty_bytes), or reports 0 when it says nothing is.
     */
    void update(String phase, long bytes, long estimate);

    Progress NONE = (p, b, e) -> { };
}

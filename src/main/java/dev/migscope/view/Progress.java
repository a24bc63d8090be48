package dev.migscope.view;

/** Progress of a save or resume, reported from the device thread. */
@FunctionalInterface
public interface Progress {
    /**
     * @param phase     PRE_COPY, STOP_COPY or RESUMING
     * @param bytes     bytes moved so far in the whole operation
     * @param estimate  the total expected (0 when unknown)
     */
    void update(String phase, long bytes, long estimate);

    Progress NONE = (p, b, e) -> { };
}

package dev.migscope.view;

import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a save (device to file) or a resume (file to device) did.
 *
 * @param file          the stream file
 * @param bytesByPhase  bytes per phase in stream order, e.g. {PRE_COPY=.., STOP_COPY=..} or {RESUMING=..}
 * @param transitions   every transition it made, in order
 * @param finalState    the state a GET returned at the end (null when even that failed)
 * @param error         the failure, null on success
 * @param cancelled     true when the user cancelled it
 * @param duration      wall time
 */
public record StreamResult(
        Path file,
        List<PhaseBytes> bytesByPhase,
        List<TransitionResult> transitions,
        MigState finalState,
        VfioError error,
        boolean cancelled,
        Duration duration) {

    public record PhaseBytes(MigState phase, long bytes) {
    }

    public StreamResult {
        bytesByPhase = List.copyOf(bytesByPhase);
        transitions = List.copyOf(transitions);
    }

    public boolean ok() {
        return error == null && !cancelled;
    }

    public long totalBytes() {
        return bytesByPhase.stream().mapToLong(PhaseBytes::bytes).sum();
    }
}

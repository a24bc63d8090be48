package dev.migscope.view;

import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The one answer to "change the state": what was asked, each step taken, where the device ended
 * (re-read after any error), and why it failed. UI and CLI only render this.
 *
 * @param deviceId   the device
 * @param call       {@code SET}, {@code RESET}
 * @param from       the state before the call
 * @param requested  the target state (RUNNING for a reset)
 * @param steps      the arcs performed, in order, each with its own outcome
 * @param finalState the state a GET returned afterwards; null only when even the GET failed
 * @param refusal    the fsm's reason when the pair is refused before any call; else null
 * @param error      the first error, else null
 * @param dataFd     the data_fd the transition returned, -1 when none
 * @param duration   wall time of the whole call
 */
public record TransitionResult(
        String deviceId,
        String call,
        MigState from,
        MigState requested,
        List<Step> steps,
        MigState finalState,
        Refusal refusal,
        VfioError error,
        int dataFd,
        Duration duration) {

    public TransitionResult {
        steps = List.copyOf(steps);
    }

    /** One SET of one arc (or one kernel-walked SET when {@code to} is the target). */
    public record Step(MigState from, MigState to, Duration duration, VfioError error, int dataFd) {
        public boolean ok() {
            return error == null;
        }
    }

    public boolean ok() {
        return error == null && refusal == null && finalState == requested;
    }

    public Optional<VfioError> failure() {
        return Optional.ofNullable(error);
    }

    /** One line for a log or stderr. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(call).append(' ').append(from).append(" -> ").append(requested);
        if (refusal != null) {
            sb.append(": refused (EINVAL): ").append(refusal.reason());
        } else if (error != null) {
            sb.append(": ").append(error.describe());
        } else {
            sb.append(": ok");
        }
        sb.append("; device is ").append(finalState == null ? "in an unknown state (GET failed)" : finalState);
        return sb.toString();
    }
}

package dev.migscope.view;

import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * One line of the event log: a call the session made, or something it observed.
 *
 * @param time     when it finished
 * @param kind     what sort of event
 * @param call     the uAPI call ({@code SET MIG_DEVICE_STATE}, {@code VFIO_DEVICE_RESET}, ...)
 * @param from     state before (null when not applicable)
 * @param to       requested or observed state (null when not applicable)
 * @param finalState the state a GET returned after the call (null when not applicable or unknown)
 * @param steps    the states walked, starting with from (empty when none)
 * @param duration how long the call took (ZERO when not a call)
 * @param error    the error, null on success
 * @param refusal  the fsm refusal, null when none
 * @param dataFd   a data_fd returned, -1 when none
 * @param message  extra detail for the user (may be empty)
 */
public record DeviceEvent(
        Instant time,
        Kind kind,
        String call,
        MigState from,
        MigState to,
        MigState finalState,
        List<MigState> steps,
        Duration duration,
        VfioError error,
        Refusal refusal,
        int dataFd,
        String message) {

    public enum Kind {
        STEP, TRANSITION, RESET, SAVE, RESUME, DMA_LOGGING, STATE_OBSERVED, DEVICE_GONE, CLOSE,
        /** VFIO_MIG_GET_PRECOPY_INFO reported REINIT: the device has new initial data. */
        REINIT
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    public DeviceEvent {
        steps = List.copyOf(steps);
    }

    public boolean failed() {
        return error != null || refusal != null;
    }

    /** True for what the log must make stand out: a failure, or the device in ERROR. */
    public boolean alarming() {
        return failed() || to == MigState.ERROR || finalState == MigState.ERROR || kind == Kind.DEVICE_GONE;
    }

    /** One tab-free line: time, call, from -> to, steps, duration, errno and meaning, data_fd. */
    public String format() {
        StringBuilder sb = new StringBuilder(TIME.format(time)).append("  ").append(call);
        if (from != null || to != null) {
            sb.append("  ").append(from == null ? "?" : from).append(" -> ").append(to == null ? "?" : to);
        }
        if (steps.size() > 2) {
            sb.append("  via ").append(String.join(">", steps.stream().map(Enum::name).toList()));
        }
        if (!duration.isZero()) {
            sb.append(String.format("  %.3f ms", duration.toNanos() / 1e6));
        }
        if (refusal != null) {
            sb.append("  refused EINVAL: ").append(refusal.reason());
        }
        if (error != null) {
            sb.append("  ").append(error.errnoMeaning()).append(": ").append(error.message());
        }
        if (dataFd >= 0) {
            sb.append("  data_fd=").append(dataFd);
        }
        if (message != null && !message.isEmpty()) {
            sb.append("  ").append(message);
        }
        return sb.toString();
    }
}

package dev.migscope.fsm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The seed era: the v1 migration region's {@code device_state} bit mask (Linux 5.8 - 5.17), kept
 * for the teaching view. Bits: RUNNING (0), SAVING (1), RESUMING (2).
 */
public record V1State(int bits) {

    public static final int RUNNING = 1;
    public static final int SAVING = 2;
    public static final int RESUMING = 4;

    /** All eight combinations, in bit order. */
    public static List<V1State> all() {
        List<V1State> all = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            all.add(new V1State(b));
        }
        return all;
    }

    public boolean running() {
        return (bits & RUNNING) != 0;
    }

    public boolean saving() {
        return (bits & SAVING) != 0;
    }

    public boolean resuming() {
        return (bits & RESUMING) != 0;
    }

    /** {@code _RUNNING | _SAVING}, or {@code STOP} for 0. */
    public String label() {
        List<String> parts = new ArrayList<>();
        if (running()) {
            parts.add("_RUNNING");
        }
        if (saving()) {
            parts.add("_SAVING");
        }
        if (resuming()) {
            parts.add("_RESUMING");
        }
        return parts.isEmpty() ? "_STOP (0)" : String.join(" | ", parts);
    }

    /**
     * v1's {@code VFIO_DEVICE_STATE_VALID(state)}: with RESUMING set, no other bit may be set.
     */
    public boolean valid() {
        return !resuming() || bits == RESUMING;
    }

    /** v1's {@code VFIO_DEVICE_STATE_IS_ERROR(state)}: SAVING | RESUMING marked a failed device. */
    public boolean isError() {
        return bits == (SAVING | RESUMING);
    }

    /** The v2 state that took this combination's place, if any. */
    public Optional<MigState> v2() {
        return switch (bits) {
            case 0 -> Optional.of(MigState.STOP);
            case RUNNING -> Optional.of(MigState.RUNNING);
            case SAVING -> Optional.of(MigState.STOP_COPY);
            case RUNNING | SAVING -> Optional.of(MigState.PRE_COPY);
            case RESUMING -> Optional.of(MigState.RESUMING);
            case SAVING | RESUMING -> Optional.of(MigState.ERROR);
            default -> Optional.empty();
        };
    }

    /** One sentence for the teaching view. */
    public String note() {
        return switch (bits) {
            case 0 -> "Stopped: the device neither runs nor transfers state. v2: STOP.";
            case RUNNING -> "Running, the default. v2: RUNNING.";
            case SAVING -> "Stopped and saving: the stop-and-copy phase. v2: STOP_COPY.";
            case RUNNING | SAVING -> "Running and saving: the pre-copy phase. v2: PRE_COPY (Linux 6.2+).";
            case RESUMING -> "Restoring state written to the migration region. v2: RESUMING.";
            case RUNNING | RESUMING -> "Invalid in v1: a device cannot run while its state is being restored.";
            case SAVING | RESUMING -> "Invalid as a request; v1 reported a failed device this way. "
                    + "v2: ERROR, left only by VFIO_DEVICE_RESET.";
            default -> "Invalid in v1: all three bits at once.";
        };
    }
}

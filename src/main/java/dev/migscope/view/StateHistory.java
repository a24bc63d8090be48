package dev.migscope.view;

import dev.migscope.fsm.MigState;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The states a view saw its device reach, oldest first, for {@link DeviceView#stateChanges()}. A
 * state read again is not a change. Bounded: a device toggled for hours keeps its latest
 * {@link #CAPACITY} changes, so memory does not grow with the session, as the telemetry's does not.
 */
public final class StateHistory {

    /** A band a change: more than the charts' one-hour window ever shows of a migration's phases. */
    public static final int CAPACITY = 4096;

    private final ArrayDeque<StateChange> changes = new ArrayDeque<>();

    /** The device is in {@code state} at {@code timeNanos} on the view's telemetry clock. */
    public synchronized void reached(long timeNanos, MigState state) {
        if (state == null || !changes.isEmpty() && changes.peekLast().state() == state) {
            return;
        }
        if (changes.size() == CAPACITY) {
            changes.removeFirst();
        }
        changes.addLast(new StateChange(timeNanos, state));
    }

    public synchronized List<StateChange> list() {
        return List.copyOf(changes);
    }
}

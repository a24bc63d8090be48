package dev.migscope.view;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The listener list of a view: listeners come and go from any thread while the view's own thread
 * emits. A listener's bug must not break the thread that emits (a device thread, a QMP reader, an
 * agent connection's reader), so its exception ends at the listener.
 */
public final class Listeners {

    private final List<DeviceListener> listeners = new CopyOnWriteArrayList<>();

    public void add(DeviceListener l) {
        listeners.add(l);
    }

    public void remove(DeviceListener l) {
        listeners.remove(l);
    }

    public void emit(DeviceEvent e) {
        for (DeviceListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ignored) {
                // the listener's own fault; the other listeners and the emitting thread go on
            }
        }
    }
}

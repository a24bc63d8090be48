package dev.migscope.view;

/**
 * Receives events on the device thread. A UI hands them to its own thread; it must not block.
 */
@FunctionalInterface
public interface DeviceListener {
    void onEvent(DeviceEvent event);
}

package dev.migscope.session;

/**
 * Receives events on the device thread. A UI hands them to its own thread; it must not block.
 */
@FunctionalInterface
public interface SessionListener {
    void onEvent(SessionEvent event);
}

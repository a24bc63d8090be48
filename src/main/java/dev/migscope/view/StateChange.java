package dev.migscope.view;

import dev.migscope.fsm.MigState;

/**
 * A state a view saw its device reach, on the view's telemetry clock, so a front end can lay the
 * device's phases over its charts.
 *
 * @param timeNanos when, in nanoseconds since the view's {@link DeviceView#startNanos()}, as a sample's time
 * @param state     the state reached
 */
public record StateChange(long timeNanos, MigState state) {
}

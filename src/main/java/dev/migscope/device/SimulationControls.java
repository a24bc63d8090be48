package dev.migscope.device;

import dev.migscope.fsm.Arc;
import java.time.Duration;

/** What a simulated device lets a user or test change; real devices have none of it. */
public interface SimulationControls {

    /**
     * Makes the next SET that takes {@code arc} fail with {@code errno}. The device stays in the
     * arc's source state, or goes to ERROR when {@code leaveInError}.
     */
    void injectFault(Arc arc, Errno errno, boolean leaveInError);

    /** Removes every injected fault. */
    void clearFaults();

    /** Makes every SET block this long first (to prove that nothing waits on it but the device thread). */
    void setSetStateDelay(Duration delay);

    /** Bytes of device state dirtied per second while running. */
    void setDirtyRate(long bytesPerSecond);

    /** The simulated link the data_fd drains through, in bytes per second. */
    void setLinkBandwidth(long bytesPerSecond);

    /** Hot-unplug: every later call fails with ENODEV. */
    void unplug();

    /**
     * A digest (e.g. CRC32C) of the device's internal state: equal on two devices after a save on
     * one is resumed into the other, which is how a round trip is verified byte for byte.
     */
    long stateDigest();
}

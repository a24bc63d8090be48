package dev.migscope.sim;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceBackendProvider;

/**
 * Registers the broken simulated drivers: they list nothing, so no listing shows them, but
 * {@link dev.migscope.device.DeviceRegistry#open} finds them by id for demos of {@code conform}.
 */
public final class BrokenSimBackendProvider implements DeviceBackendProvider {

    @Override
    public String name() {
        return BrokenSimBackend.NAME;
    }

    @Override
    public boolean real() {
        return false;
    }

    @Override
    public DeviceBackend create() {
        return new BrokenSimBackend(SimClock.system());
    }
}

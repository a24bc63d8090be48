package dev.migscope.sim;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceBackendProvider;

/** Registers the simulator with {@link java.util.ServiceLoader}; its devices live on the wall clock. */
public final class SimBackendProvider implements DeviceBackendProvider {

    @Override
    public String name() {
        return SimBackend.NAME;
    }

    @Override
    public boolean real() {
        return false;
    }

    @Override
    public DeviceBackend create() {
        return new SimBackend(SimClock.system());
    }
}

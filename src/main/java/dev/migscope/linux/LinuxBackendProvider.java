package dev.migscope.linux;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceBackendProvider;

/** Registers the real-device backend with {@code DeviceRegistry} through META-INF/services. */
public final class LinuxBackendProvider implements DeviceBackendProvider {

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public boolean real() {
        return true;
    }

    @Override
    public DeviceBackend create() {
        return new LinuxBackend(LinuxRoots.system());
    }
}

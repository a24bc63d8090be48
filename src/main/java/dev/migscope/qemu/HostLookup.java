package dev.migscope.qemu;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Owner;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What an attached QEMU asks the host: the listing of a device it migrates (by the id
 * {@code migscope list} shows), and which process listens on its QMP socket, for its pid when no
 * host device names it. A lambda gives the first; {@link #of} both, from the device registry.
 */
@FunctionalInterface
public interface HostLookup {

    Optional<DeviceInfo> device(String id);

    /** The process listening on {@code socket}; empty when nothing this user can see does. */
    default Optional<Owner> socketListener(Path socket) {
        return Optional.empty();
    }

    static HostLookup of(DeviceRegistry registry) {
        return new HostLookup() {
            @Override
            public Optional<DeviceInfo> device(String id) {
                return registry.find(id);
            }

            @Override
            public Optional<Owner> socketListener(Path socket) {
                return registry.socketListener(socket);
            }
        };
    }
}

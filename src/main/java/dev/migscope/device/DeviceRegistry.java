package dev.migscope.device;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The one place UI and CLI get devices from. Real devices are listed when the host has any;
 * simulated devices when it has none, or always when {@code includeSimulated}.
 */
public final class DeviceRegistry {

    private final List<DeviceBackend> real;
    private final List<DeviceBackend> simulated;
    private final boolean includeSimulated;

    public DeviceRegistry(List<DeviceBackend> real, List<DeviceBackend> simulated, boolean includeSimulated) {
        this.real = List.copyOf(real);
        this.simulated = List.copyOf(simulated);
        this.includeSimulated = includeSimulated;
    }

    /** Every backend on the class path. */
    public static DeviceRegistry load(boolean includeSimulated) {
        List<DeviceBackend> real = new ArrayList<>();
        List<DeviceBackend> sim = new ArrayList<>();
        for (DeviceBackendProvider p : ServiceLoader.load(DeviceBackendProvider.class)) {
            (p.real() ? real : sim).add(p.create());
        }
        return new DeviceRegistry(real, sim, includeSimulated);
    }

    /** Real devices, then simulated ones when there are no real ones or they were asked for. */
    public List<DeviceInfo> list() {
        List<DeviceInfo> all = new ArrayList<>();
        for (DeviceBackend b : real) {
            all.addAll(b.list());
        }
        if (all.isEmpty() || includeSimulated) {
            for (DeviceBackend b : simulated) {
                all.addAll(b.list());
            }
        }
        return all;
    }

    /** The backend that owns {@code id}, whether or not it is listed by default. */
    public Optional<DeviceBackend> backendFor(String id) {
        for (DeviceBackend b : real) {
            if (b.owns(id)) {
                return Optional.of(b);
            }
        }
        return simulated.stream().filter(b -> b.owns(id)).findFirst();
    }

    /** The listing entry of {@code id}. */
    public Optional<DeviceInfo> find(String id) {
        return backendFor(id).flatMap(b -> b.list().stream().filter(d -> d.id().equals(id)).findFirst());
    }

    /** The process listening on {@code socket}, as the first real backend that sees it names it. */
    public Optional<Owner> socketListener(Path socket) {
        return real.stream().map(b -> b.socketListener(socket)).flatMap(Optional::stream).findFirst();
    }

    /**
     * Opens {@code id}.
     *
     * @throws VfioException ENODEV naming the device and how to list the others when nobody owns it
     */
    public DeviceSession open(String id) throws VfioException {
        DeviceBackend b = backendFor(id).orElseThrow(() -> new VfioException(VfioError.of(Errno.ENODEV, "open", id,
                "no such device; `migscope list` (or `migscope list --sim`) shows the devices this host has")));
        return b.open(id);
    }
}

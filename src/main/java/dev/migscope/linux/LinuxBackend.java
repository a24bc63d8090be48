package dev.migscope.linux;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Owner;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Real vfio devices: discovered in sysfs, opened through the cdev or group route, driven by ioctls. */
public final class LinuxBackend implements DeviceBackend {

    private final LinuxRoots roots;
    private final Predicate<Path> readWrite;
    private SysfsScanner scanner;

    public LinuxBackend(LinuxRoots roots) {
        this(roots, SysfsScanner::mayOpen);
    }

    /** With a stand-in for access(2), for tests that run as root. */
    LinuxBackend(LinuxRoots roots, Predicate<Path> readWrite) {
        this.roots = roots;
        this.readWrite = readWrite;
    }

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public List<DeviceInfo> list() {
        return devices().stream().map(LinuxDevice::info).toList();
    }

    /** A PCI or mdev name sysfs knows, whether or not a vfio driver holds it (open says which). */
    @Override
    public boolean owns(String id) {
        if (id.isEmpty() || id.contains("/") || id.startsWith(".")) {
            return false;
        }
        return Files.exists(roots.sys().resolve("bus/pci/devices").resolve(id))
                || Files.exists(roots.sys().resolve("bus/mdev/devices").resolve(id));
    }

    @Override
    public DeviceSession open(String id) throws VfioException {
        LinuxDevice device = devices().stream().filter(d -> d.id().equals(id)).findFirst()
                .orElseThrow(() -> new VfioException(VfioError.of(Errno.ENODEV, "open", id, owns(id)
                        ? "the device is not bound to a vfio driver: bind it to vfio-pci "
                                + "(driverctl set-override " + id + " vfio-pci) or a variant driver"
                        : "no such device in sysfs: list devices again")));
        DeviceOpener.OpenFds fds = new DeviceOpener(roots).open(device);
        return new LinuxDeviceSession(device.info(), fds);
    }

    /** debugfs migration/state: readable by root with CONFIG_VFIO_DEBUGFS, and only read. */
    @Override
    public Optional<MigState> watchState(String id) {
        if (!owns(id)) {
            return Optional.empty();
        }
        return SysfsScanner.debugfsState(roots, id);
    }

    @Override
    public Optional<Owner> socketListener(Path socket) {
        return ProcOwners.socketListener(roots.proc(), socket);
    }

    /** Not root, debugfs not mounted, or no CONFIG_VFIO_DEBUGFS: each said as it is, with its fix. */
    @Override
    public Optional<String> whyNoWatch(String id) {
        if (!owns(id)) {
            return Optional.of("no device " + id + " in sysfs on this host");
        }
        Path vfio = roots.debugfs().resolve("vfio");
        Path file = vfio.resolve(id).resolve("migration/state");
        int uid = ProcOwners.effectiveUid(roots.proc());
        if (uid != 0) {
            return Optional.of("reading " + file + " needs root, and migscope runs as uid " + uid);
        }
        if (!Files.isDirectory(vfio)) {
            return Optional.of(vfio + " does not exist: debugfs is not mounted (mount -t debugfs none "
                    + roots.debugfs() + ") or the kernel lacks CONFIG_VFIO_DEBUGFS");
        }
        if (!Files.exists(file)) {
            return Optional.of(file + " does not exist: the kernel keeps no debugfs migration state for this device");
        }
        return watchState(id).isPresent() ? Optional.empty() : Optional.of(file + " holds no state this migscope knows");
    }

    private synchronized List<LinuxDevice> devices() {
        if (scanner == null) {
            // pci.ids is a megabyte: parse it on the first listing, not when the provider is loaded.
            scanner = new SysfsScanner(roots, readWrite);
        }
        return scanner.scan();
    }
}

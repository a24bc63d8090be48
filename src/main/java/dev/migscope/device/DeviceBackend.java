package dev.migscope.device;

import dev.migscope.fsm.MigState;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A source of devices: the Linux kernel (sysfs + ioctls) or the simulator. */
public interface DeviceBackend {

    /** {@code linux} or {@code sim}. */
    String name();

    /** The devices this backend sees now. Never throws for one bad device: it is listed with {@code access} set. */
    List<DeviceInfo> list();

    /** True when {@code id} names a device of this backend. */
    boolean owns(String id);

    /** Opens the device; the caller closes the session. */
    DeviceSession open(String id) throws VfioException;

    /**
     * The state of a device without opening it (debugfs for a device another process holds).
     * Empty when this backend cannot watch it.
     */
    default Optional<MigState> watchState(String id) {
        return Optional.empty();
    }

    /**
     * The process listening on a UNIX socket (an attached QEMU's QMP socket), found as device
     * holders are: in /proc. Empty when this backend has no /proc or cannot see that process.
     */
    default Optional<Owner> socketListener(Path socket) {
        return Optional.empty();
    }

    /**
     * Why {@link #watchState} tells nothing of {@code id}, as a sentence that names the fix (not
     * root, no debugfs); empty when it can tell.
     */
    default Optional<String> whyNoWatch(String id) {
        return watchState(id).isPresent() ? Optional.empty()
                : Optional.of("the " + name() + " backend cannot read a device's state without opening it");
    }
}

package dev.migscope.device;

import java.util.Locale;

/** Where a device comes from: a PCI function, a mediated device, or the simulator. */
public enum DeviceKind {
    PCI, MDEV, SIM;

    /** {@code pci}, {@code mdev}, {@code sim}: the JSON and CLI spelling. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

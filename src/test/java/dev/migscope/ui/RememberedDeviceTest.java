package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.Owner;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which device a window shows as it starts, given what is listed and what was shown last. */
class RememberedDeviceTest {

    private static DeviceInfo device(String id, Owner owner, String access) {
        return new DeviceInfo(id, DeviceKind.PCI, "vfio-pci", null, null, null, null, 1, null, owner, null, null,
                access);
    }

    private static final DeviceInfo HELD = device("0000:3b:00.1", new Owner(4242, "qemu-system-x86_64"), null);
    private static final DeviceInfo DENIED = device("0000:3b:00.2", null,
            "/dev/vfio/12 is root's: add yourself to the vfio group");
    private static final DeviceInfo FREE = device("0000:3b:00.3", null, null);
    private static final DeviceInfo SIM = new DeviceInfo("sim:pds-0", DeviceKind.SIM, "pds_vfio_pci", null, null,
            null, null, null, null, null, null, null, null);

    @Test
    void theDeviceShownLastWhenItCanBeOpenedNow() {
        assertThat(RememberedDevice.choose(List.of(FREE, SIM), Optional.of("sim:pds-0"))).hasValue("sim:pds-0");
    }

    @Test
    void elseTheFirstListedThatNobodyHoldsAndThisUserMayOpen() {
        List<DeviceInfo> listed = List.of(HELD, DENIED, FREE, SIM);
        assertThat(RememberedDevice.choose(listed, Optional.empty())).hasValue(FREE.id());
        // Stale: no longer listed (unplugged, or another host's listing).
        assertThat(RememberedDevice.choose(listed, Optional.of("sim:gone-0"))).hasValue(FREE.id());
        // Listed, but a QEMU holds it now, or this user lost access to it.
        assertThat(RememberedDevice.choose(listed, Optional.of(HELD.id()))).hasValue(FREE.id());
        assertThat(RememberedDevice.choose(listed, Optional.of(DENIED.id()))).hasValue(FREE.id());
    }

    @Test
    void noneWhenNoListedDeviceCanBeOpened() {
        assertThat(RememberedDevice.choose(List.of(HELD, DENIED), Optional.of(HELD.id()))).isEmpty();
        assertThat(RememberedDevice.choose(List.of(), Optional.empty())).isEmpty();
    }
}

package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceKind;
import org.junit.jupiter.api.Test;

/** From QEMU's vfio-pci properties to the id `migscope list` shows. */
class VfioPciDeviceTest {

    @Test
    void anMdevSysfsdevIsItsUuid() {
        VfioPciDevice d = new VfioPciDevice("/machine/peripheral/mtty0", "mtty0",
                "/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", "0000:00:00.0", true);
        assertThat(d.hostDeviceId()).isEqualTo("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001");
        assertThat(d.hostKind()).isEqualTo(DeviceKind.MDEV);
        assertThat(d.label()).isEqualTo("mtty0");
    }

    @Test
    void aPciSysfsdevIsItsAddress() {
        VfioPciDevice d = new VfioPciDevice("/machine/peripheral-anon/device[0]", "",
                "/sys/bus/pci/devices/0000:3b:00.1/", null, null);
        assertThat(d.hostDeviceId()).isEqualTo("0000:3b:00.1");
        assertThat(d.hostKind()).isEqualTo(DeviceKind.PCI);
        assertThat(d.label()).isEqualTo("/machine/peripheral-anon/device[0]");
    }

    @Test
    void hostIsTheAddressWithItsDomain() {
        assertThat(new VfioPciDevice("/p", "x", "", "3B:00.1", true).hostDeviceId()).isEqualTo("0000:3b:00.1");
        assertThat(new VfioPciDevice("/p", "x", null, "0001:3b:00.1", true).hostDeviceId()).isEqualTo("0001:3b:00.1");
        assertThat(new VfioPciDevice("/p", "x", null, "0000:00:00.0", true).hostDeviceId()).isNull();
        assertThat(new VfioPciDevice("/p", "x", null, null, true).hostDeviceId()).isNull();
    }
}

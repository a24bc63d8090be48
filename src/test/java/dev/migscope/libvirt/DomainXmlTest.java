package dev.migscope.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.DeviceKind;
import dev.migscope.qemu.VfioPciDevice;
import org.junit.jupiter.api.Test;

/** A domain's live XML read into its VFIO hostdevs, and what libvirt's form does not allow refused. */
class DomainXmlTest {

    private static final String UUID = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";

    private static String domain(String devices, String qemu) {
        return "<domain type='qemu' id='3' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
                + "<name>vm1</name><uuid>0b9d5d16-2c3e-4b59-a4b7-4a8d4e1f2c3a</uuid><devices>" + devices
                + "</devices>" + qemu + "</domain>";
    }

    private static final String MDEV = "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>"
            + "<source><address uuid='" + UUID + "'/></source><alias name='hostdev0'/>"
            + "<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></hostdev>";
    private static final String PCI = "<hostdev mode='subsystem' type='pci' managed='yes'>"
            + "<source><address domain='0x0000' bus='0x3b' slot='0x00' function='0x1'/></source>"
            + "<alias name='hostdev1'/></hostdev>";

    @Test
    void mdevAndPciHostdevsMapToTheHostDeviceIdsMigscopeLists() throws Exception {
        DomainXml x = DomainXml.parse(domain(MDEV + PCI + "<hostdev mode='subsystem' type='usb'><source>"
                + "<vendor id='0x1234'/></source><alias name='hostdev2'/></hostdev>", ""));

        assertThat(x.name()).isEqualTo("vm1");
        assertThat(x.hostdevs()).containsExactly(
                new DomainXml.Hostdev("hostdev0", DeviceKind.MDEV, UUID, false),
                new DomainXml.Hostdev("hostdev1", DeviceKind.PCI, "0000:3b:00.1", false));
        VfioPciDevice mdev = x.hostdevs().get(0).device();
        assertThat(mdev.qomPath()).isEqualTo("/machine/peripheral/hostdev0");
        assertThat(mdev.hostDeviceId()).isEqualTo(UUID);
        assertThat(mdev.hostKind()).isEqualTo(DeviceKind.MDEV);
        assertThat(x.hostdevs().get(1).device().hostDeviceId()).isEqualTo("0000:3b:00.1");
    }

    @Test
    void aQemuOverrideOfTheAliasTurnsMigrationEventsOn() throws Exception {
        String override = DomainXml.migrationEventsOverride("hostdev0");
        String inner = override.substring(override.indexOf("<qemu:override>"), override.indexOf("</domain>"));

        DomainXml x = DomainXml.parse(domain(MDEV + PCI, inner));

        assertThat(x.hostdevs()).extracting(DomainXml.Hostdev::migrationEvents).containsExactly(true, false);
        assertThat(x.hostdevs().get(0).device().migrationEvents()).isTrue();
    }

    @Test
    void entitiesDoctypesAndValuesNotOfLibvirtsFormAreRefused() {
        assertThatThrownBy(() -> DomainXml.parse("<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                + domain("", "").replace("<name>vm1</name>", "<name>&x;</name>")))
                .isInstanceOf(LibvirtException.class).hasMessageContaining("does not parse");
        assertThatThrownBy(() -> DomainXml.parse(domain(PCI.replace("0x3b", "0x1ff"), "")))
                .hasMessageContaining("bus='0x1ff' is not 0 to 0xff");
        assertThatThrownBy(() -> DomainXml.parse(domain(MDEV.replace(UUID, "../../etc"), "")))
                .hasMessageContaining("has no UUID");
        assertThatThrownBy(() -> DomainXml.parse(domain(MDEV.replace("hostdev0", "a/b"), "")))
                .hasMessageContaining("no alias of libvirt's form");
        assertThatThrownBy(() -> DomainXml.parse("x".repeat(DomainXml.MAX_BYTES + 1)))
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> DomainXml.parse("<network><name>n</name></network>"))
                .hasMessageContaining("not <domain>");
    }
}

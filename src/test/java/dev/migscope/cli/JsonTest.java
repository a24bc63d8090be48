package dev.migscope.cli;

import dev.migscope.json.Json;


import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.Owner;
import dev.migscope.fsm.MigFeatures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one escaping helper: whatever a sysfs name or a process command holds comes back intact. */
class JsonTest {

    @Test
    void stringsSurviveAStrictParser() {
        String nasty = "quote \" backslash \\ newline \n tab \t cr \r bell \u0007 nul \u0000 sep \u2028 é ü 漢";

        assertThat(MiniJson.parse(Json.str(nasty))).isEqualTo(nasty);
        assertThat(Json.str(nasty)).doesNotContain("\n", "\u0000", "\u2028");
    }

    @Test
    void numbersThatJsonCannotHoldBecomeNull() {
        assertThat(Json.num(Double.NaN)).isEqualTo("null");
        assertThat(Json.num(Double.POSITIVE_INFINITY)).isEqualTo("null");
        assertThat(Json.num(48.0 * 1024 * 1024)).isEqualTo("50331648");
        assertThat(MiniJson.parse(Json.num(0.0402850624))).isEqualTo(0.0402850624);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPciDeviceHeldByQemuListsOwnerGroupAndCdevAndLeavesUnknownsOut() {
        DeviceInfo d = new DeviceInfo("0000:3b:00.1", DeviceKind.PCI, "mlx5_vfio_pci", "Mellanox Technologies",
                "MT2910 Family [ConnectX-7]", "0x15b3", "0x101e", 42, "/dev/vfio/devices/vfio0",
                new Owner(4242, "qemu-system-x86_64 -name \"vm 1\""), null, null,
                "permission denied on /dev/vfio/42; run as root");

        Map<String, Object> o = (Map<String, Object>) MiniJson.parse(DeviceJson.listed(d).toString());

        assertThat(o).containsEntry("id", "0000:3b:00.1").containsEntry("kind", "pci")
                .containsEntry("driver", "mlx5_vfio_pci").containsEntry("iommu_group", 42.0)
                .containsEntry("cdev", "/dev/vfio/devices/vfio0").containsEntry("vendor_id", "0x15b3")
                .containsEntry("access", "permission denied on /dev/vfio/42; run as root")
                .containsEntry("owner", Map.of("pid", 4242.0, "command", "qemu-system-x86_64 -name \"vm 1\""))
                .doesNotContainKeys("features", "state");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anMdevWithKnownFeaturesListsThemByTheirCliNames() {
        DeviceInfo d = new DeviceInfo("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", DeviceKind.MDEV, "mtty", null,
                "mtty-2", null, null, 7, null, null, MigFeatures.ALL, null, null);

        Map<String, Object> o = (Map<String, Object>) MiniJson.parse(DeviceJson.listed(d).toString());

        assertThat(o).containsEntry("kind", "mdev").containsEntry("features", List.of("stop-copy", "p2p", "pre-copy"))
                .doesNotContainKeys("state", "owner", "vendor", "cdev", "access");
    }
}

package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.Owner;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** migscope's one JSON writer and reader: whatever a sysfs name or a process command holds comes back intact. */
class JsonTest {

    @Test
    void stringsSurviveAStrictParser() {
        String nasty = "quote \" backslash \\ newline \n tab \t cr \r bell \u0007 nul \u0000 us \u001f sep \u2028 é ü 漢";

        String written = Json.write(TextNode.valueOf(nasty));

        assertThat(PlainJson.parse(written)).isEqualTo(nasty);
        assertThat(written).doesNotContain("\n", "\u0000", "\u2028");
        assertThat(written).isEqualTo("\"quote \\\" backslash \\\\ newline \\n tab \\t cr \\r bell \\u0007 nul \\u0000 "
                + "us \\u001f sep \\u2028 é ü 漢\"");
    }

    @Test
    void numbersThatJsonCannotHoldBecomeNull() {
        assertThat(Json.write(Json.number(Double.NaN))).isEqualTo("null");
        assertThat(Json.write(Json.number(Double.POSITIVE_INFINITY))).isEqualTo("null");
        assertThat(Json.write(Json.number(48.0 * 1024 * 1024))).isEqualTo("50331648");
        assertThat(Json.write(Json.number(1.45185E-4))).isEqualTo("1.45185E-4");
        assertThat(PlainJson.parse(Json.write(Json.number(0.0402850624)))).isEqualTo(0.0402850624);
    }

    @Test
    void readingIsStrict() throws Exception {
        assertThat(Json.read("{\"a\":[1,\"x\",null,true]}").get("a").get(1).textValue()).isEqualTo("x");
        assertThatThrownBy(() -> Json.read("{\"a\":1,\"a\":2}")).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("Duplicate field 'a'");
        assertThatThrownBy(() -> Json.read("{\"a\":1} {")).isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("Trailing token");
        assertThatThrownBy(() -> Json.read("{\"a\":\"raw \n newline\"}")).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPciDeviceHeldByQemuListsOwnerGroupAndCdevAndLeavesUnknownsOut() {
        DeviceInfo d = new DeviceInfo("0000:3b:00.1", DeviceKind.PCI, "mlx5_vfio_pci", "Mellanox Technologies",
                "MT2910 Family [ConnectX-7]", "0x15b3", "0x101e", 42, "/dev/vfio/devices/vfio0",
                new Owner(4242, "qemu-system-x86_64 -name \"vm 1\""), null, null,
                "permission denied on /dev/vfio/42; run as root");

        Map<String, Object> o = (Map<String, Object>) PlainJson.parse(Json.write(DeviceJson.listed(d)));

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

        Map<String, Object> o = (Map<String, Object>) PlainJson.parse(Json.write(DeviceJson.listed(d)));

        assertThat(o).containsEntry("kind", "mdev").containsEntry("features", List.of("stop-copy", "p2p", "pre-copy"))
                .doesNotContainKeys("state", "owner", "vendor", "cdev", "access");
    }
}

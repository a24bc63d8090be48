package dev.migscope.qemu;

import dev.migscope.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A vfio-pci device of one QEMU, as QOM shows it, and the host device it maps to: the id
 * {@code migscope list} shows (mdev UUID or PCI address), from its {@code sysfsdev} or {@code host}
 * property.
 *
 * @param qomPath         {@code /machine/peripheral/mtty0}
 * @param deviceId        the {@code id=} it was given; empty when none
 * @param sysfsdev        the {@code sysfsdev} property; null or empty when not set
 * @param host            the {@code host} property; null when not set
 * @param migrationEvents the {@code migration-events} property; null when QEMU has none (older than 9.1)
 */
public record VfioPciDevice(String qomPath, String deviceId, String sysfsdev, String host, Boolean migrationEvents) {

    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
            + "[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern BDF = Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
    private static final String NO_HOST = "0000:00:00.0";

    /** Where QEMU keeps devices made with -device: with an id, and without. */
    static final List<String> CONTAINERS = List.of("/machine/peripheral", "/machine/peripheral-anon");

    /** The host device's sysfs name ({@code 0000:3b:00.1}, an mdev UUID); null when QEMU's properties do not say. */
    public String hostDeviceId() {
        if (sysfsdev != null && !sysfsdev.isEmpty()) {
            String base = sysfsdev.replaceAll("/+$", "");
            return base.substring(base.lastIndexOf('/') + 1);
        }
        if (host != null && BDF.matcher(host).matches() && !host.endsWith(NO_HOST)) {
            return host.indexOf(':') == 2 ? "0000:" + host.toLowerCase() : host.toLowerCase();
        }
        return null;
    }

    /** An mdev when the host device is a UUID, else a PCI function. */
    public DeviceKind hostKind() {
        String id = hostDeviceId();
        return id != null && UUID.matcher(id).matches() ? DeviceKind.MDEV : DeviceKind.PCI;
    }

    /** {@code mtty0}, or the QOM path when the device has no id. */
    public String label() {
        return deviceId.isEmpty() ? qomPath : deviceId;
    }

    /** qom_path, device_id, host_device, migration_events (absent when QEMU has no such property). */
    ObjectNode json() {
        ObjectNode o = Json.object().put("qom_path", qomPath).put("device_id", deviceId)
                .put("host_device", hostDeviceId());
        if (migrationEvents != null) {
            o.put("migration_events", migrationEvents);
        }
        return o;
    }

    /** Lists the vfio devices QEMU has, reading QOM only (qom-list, qom-get): nothing changes. */
    static List<VfioPciDevice> find(QmpClient qmp) throws QmpException {
        List<VfioPciDevice> found = new ArrayList<>();
        for (String container : CONTAINERS) {
            for (JsonNode child : qmp.call("qom-list", args("path", container))) {
                String type = child.path("type").asText();
                if (type.startsWith("child<vfio-pci")) {
                    String name = child.path("name").asText();
                    found.add(describe(qmp, container + "/" + name,
                            container.equals("/machine/peripheral") ? name : ""));
                }
            }
        }
        return found;
    }

    /** Reads one device's properties; a property this QEMU lacks reads as null. */
    static VfioPciDevice describe(QmpClient qmp, String qomPath, String deviceId) {
        JsonNode events = property(qmp, qomPath, "migration-events");
        return new VfioPciDevice(qomPath, deviceId, text(property(qmp, qomPath, "sysfsdev")),
                text(property(qmp, qomPath, "host")), events == null ? null : events.asBoolean());
    }

    private static JsonNode property(QmpClient qmp, String path, String property) {
        try {
            JsonNode v = qmp.call("qom-get", args("path", path).put("property", property));
            return v.isNull() || v.isMissingNode() ? null : v;
        } catch (QmpException e) {
            return null;
        }
    }

    private static String text(JsonNode n) {
        return n == null ? null : n.asText();
    }

    static ObjectNode args(String name, String value) {
        return Json.object().put(name, value);
    }
}

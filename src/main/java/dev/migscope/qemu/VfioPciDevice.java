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
    /** The most vfio-pci devices migscope follows on one QEMU: a machine has a few, a big host a few dozen. */
    public static final int MAX_DEVICES = 1024;
    /** The most QOM children migscope reads in one container (a device each). */
    static final int MAX_CHILDREN = 65_536;

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

    /** {@code 2 vfio-pci devices: mtty0 = host UUID, ...}, for the attached line. */
    static String list(List<VfioPciDevice> devices) {
        if (devices.isEmpty()) {
            return "no vfio-pci device";
        }
        List<String> l = new ArrayList<>();
        for (VfioPciDevice v : devices) {
            l.add(v.label() + " = host " + (v.hostDeviceId() == null ? "unknown" : v.hostDeviceId()));
        }
        return devices.size() + " vfio-pci device" + (devices.size() == 1 ? "" : "s") + ": " + String.join(", ", l);
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

    /**
     * Lists the vfio devices QEMU has, reading QOM only (qom-list, qom-get): nothing changes. More
     * than {@link #MAX_DEVICES} of them, or more than {@link #MAX_CHILDREN} QOM children in a
     * container, is refused.
     */
    static List<VfioPciDevice> find(QmpClient qmp) throws QmpException {
        List<String[]> vfio = new ArrayList<>();
        for (String container : CONTAINERS) {
            for (QmpReply child : qmp.query("qom-list", args("path", container)).list(MAX_CHILDREN,
                    "QOM children of " + container)) {
                if (child.text("type").startsWith("child<vfio-pci")) {
                    vfio.add(new String[] {container, child.text("name")});
                }
            }
        }
        if (vfio.size() > MAX_DEVICES) {
            throw new QmpException(new QmpError(QmpError.Kind.LIMIT, qmp.socket(), "QEMU lists " + vfio.size()
                    + " vfio-pci devices, more than migscope follows (" + MAX_DEVICES + "): stopped following it"));
        }
        List<VfioPciDevice> found = new ArrayList<>();
        for (String[] d : vfio) {
            found.add(describe(qmp, d[0] + "/" + d[1], d[0].equals("/machine/peripheral") ? d[1] : ""));
        }
        return found;
    }

    /** Reads one device's properties; a property this QEMU lacks reads as null, one of another type is an error. */
    static VfioPciDevice describe(QmpClient qmp, String qomPath, String deviceId) throws QmpException {
        JsonNode events = property(qmp, qomPath, "migration-events");
        if (events != null && !events.isBoolean()) {
            throw malformed(qmp, qomPath, "migration-events", "a boolean");
        }
        return new VfioPciDevice(qomPath, deviceId, text(qmp, qomPath, "sysfsdev"), text(qmp, qomPath, "host"),
                events == null ? null : events.asBoolean());
    }

    private static JsonNode property(QmpClient qmp, String path, String property) {
        try {
            JsonNode v = qmp.call("qom-get", args("path", path).put("property", property));
            return v.isNull() || v.isMissingNode() ? null : v;
        } catch (QmpException e) {
            return null;
        }
    }

    private static String text(QmpClient qmp, String path, String property) throws QmpException {
        JsonNode n = property(qmp, path, property);
        if (n != null && !n.isTextual()) {
            throw malformed(qmp, path, property, "a string");
        }
        return n == null ? null : n.asText();
    }

    private static QmpException malformed(QmpClient qmp, String path, String property, String expected) {
        return QmpReply.of(qmp.socket(), "qom-get " + path, Json.object()).malformed(property,
                "is not " + expected + ", as QEMU's vfio-pci property is");
    }

    static ObjectNode args(String name, String value) {
        return Json.object().put(name, value);
    }
}

package dev.migscope.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.fsm.MigFeature;
import dev.migscope.json.Json;

/**
 * A device's identity as JSON, shared by {@code list --json} and {@code show --json}. Keys whose
 * value is unknown are absent (features and state too), so that a reader never mistakes "unknown"
 * for "none".
 */
final class DeviceJson {

    private DeviceJson() {
    }

    static ObjectNode identity(DeviceInfo d) {
        ObjectNode o = Json.object();
        putKnown(o, "id", d.id());
        putKnown(o, "kind", d.kind().jsonName());
        putKnown(o, "driver", d.driver());
        putKnown(o, "vendor", d.vendorName());
        putKnown(o, "device", d.deviceName());
        putKnown(o, "vendor_id", d.vendorId());
        putKnown(o, "device_id", d.deviceId());
        if (d.iommuGroup() != null) {
            o.put("iommu_group", d.iommuGroup());
        }
        putKnown(o, "cdev", d.cdev());
        if (d.owner() != null) {
            ObjectNode owner = o.putObject("owner").put("pid", d.owner().pid());
            putKnown(owner, "command", d.owner().command());
            putKnown(owner, "domain", d.owner().domain());
        }
        putKnown(o, "access", d.access());
        return o;
    }

    /** identity, then features and state when known. */
    static ObjectNode listed(DeviceInfo d) {
        ObjectNode o = identity(d);
        d.knownFeatures().ifPresent(f -> o.set("features", Json.strings(f.list().stream()
                .map(MigFeature::cliName).toList())));
        d.knownState().ifPresent(s -> o.put("state", s.name()));
        return o;
    }

    /** Puts {@code value} under {@code key}, or leaves the key out when the value is unknown. */
    private static void putKnown(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}

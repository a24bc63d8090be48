package dev.migscope.cli;

import dev.migscope.json.Json;

import dev.migscope.device.DeviceInfo;
import dev.migscope.fsm.MigFeature;

/**
 * A device's identity as JSON, shared by {@code list --json} and {@code show --json}. Keys whose
 * value is unknown are absent (features and state too), so that a reader never mistakes "unknown"
 * for "none".
 */
final class DeviceJson {

    private DeviceJson() {
    }

    static Json.Obj identity(DeviceInfo d) {
        Json.Obj o = new Json.Obj()
                .str("id", d.id())
                .str("kind", d.kind().jsonName())
                .str("driver", d.driver())
                .str("vendor", d.vendorName())
                .str("device", d.deviceName())
                .str("vendor_id", d.vendorId())
                .str("device_id", d.deviceId());
        if (d.iommuGroup() != null) {
            o.num("iommu_group", d.iommuGroup());
        }
        o.str("cdev", d.cdev());
        if (d.owner() != null) {
            o.raw("owner", new Json.Obj().num("pid", d.owner().pid()).str("command", d.owner().command()).toString());
        }
        o.str("access", d.access());
        return o;
    }

    /** identity, then features and state when known. */
    static Json.Obj listed(DeviceInfo d) {
        Json.Obj o = identity(d);
        d.knownFeatures().ifPresent(f -> o.raw("features", Json.strings(f.list().stream()
                .map(MigFeature::cliName).toList())));
        d.knownState().ifPresent(s -> o.str("state", s.name()));
        return o;
    }
}

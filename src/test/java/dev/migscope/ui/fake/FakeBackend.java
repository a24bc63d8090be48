package dev.migscope.ui.fake;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test devices for the window, one per feature set, that walk {@code MigrationFsm} like a driver.
 * The window's tests must not depend on the simulator package (ui never imports it), so they get
 * their devices from this backend through an explicit {@link DeviceRegistry}.
 */
public final class FakeBackend implements DeviceBackend {

    public static final String STOP_COPY_ONLY = "fake:stopcopy-0";
    public static final String P2P = "fake:p2p-0";
    public static final String PRE_COPY = "fake:precopy-0";
    public static final String ALL = "fake:all-0";

    private final Map<String, FakeDevice> devices = new LinkedHashMap<>();

    public FakeBackend() {
        add(STOP_COPY_ONLY, "fake_stopcopy", MigFeatures.VALID_SETS.get(0));
        add(P2P, "fake_p2p", MigFeatures.VALID_SETS.get(1));
        add(PRE_COPY, "fake_precopy", MigFeatures.VALID_SETS.get(2));
        add(ALL, "fake_all", MigFeatures.VALID_SETS.get(3));
    }

    private void add(String id, String driver, MigFeatures f) {
        DeviceInfo info = new DeviceInfo(id, DeviceKind.SIM, driver, "Fake", "device " + f, null, null, null, null,
                null, f, null, null);
        devices.put(id, new FakeDevice(info));
    }

    public static DeviceRegistry registry(FakeBackend backend) {
        return new DeviceRegistry(List.of(), List.of(backend), true);
    }

    public FakeDevice device(String id) {
        return devices.get(id);
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public List<DeviceInfo> list() {
        List<DeviceInfo> out = new ArrayList<>();
        for (FakeDevice d : devices.values()) {
            out.add(d.listing());
        }
        return out;
    }

    @Override
    public boolean owns(String id) {
        return devices.containsKey(id);
    }

    @Override
    public DeviceSession open(String id) throws VfioException {
        FakeDevice d = devices.get(id);
        if (d == null) {
            throw new VfioException(VfioError.of(Errno.ENODEV, "open", id, "no such fake device"));
        }
        return d;
    }
}

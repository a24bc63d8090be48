package dev.migscope.sim;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Deliberately broken simulated drivers, one per {@link Defect}, for proving that {@code conform}
 * catches each. They are never listed (users picking a device must not meet them); they open by
 * id only ({@code migscope conform sim:broken-endless-0}). Each is a correct simulated device with
 * every feature, small so a run is quick, whose session commits its one defect.
 */
public final class BrokenSimBackend implements DeviceBackend {

    public static final String NAME = "sim-broken";

    private final SimBackend devices;
    private final Map<String, Defect> defects = new LinkedHashMap<>();

    public BrokenSimBackend(SimClock clock) {
        Map<String, SimProfile> table = new LinkedHashMap<>();
        for (Defect d : Defect.values()) {
            table.put(d.deviceId(), profile(d));
            defects.put(d.deviceId(), d);
        }
        this.devices = new SimBackend(clock, table);
    }

    private static SimProfile profile(Defect d) {
        long kib = 1024;
        Set<Quirk> quirks = switch (d) {
            case ENOMSG_IN_STOP_COPY -> Set.of(Quirk.ENOMSG_AT_PRE_COPY_END);
            case REINIT_WITHOUT_OPT_IN -> Set.of(Quirk.REINIT_IN_PRE_COPY);
            default -> Set.of();
        };
        return new SimProfile("sim_broken", MigFeatures.ALL, "migscope", "Broken driver (simulated): " + d.what(),
                1024 * kib, 512 * kib, 64 * kib, 256 * 1024 * kib, true, 100, quirks);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Never listed: see the class comment. */
    @Override
    public List<DeviceInfo> list() {
        return List.of();
    }

    @Override
    public boolean owns(String id) {
        return defects.containsKey(id);
    }

    @Override
    public DeviceSession open(String id) throws VfioException {
        Defect d = defects.get(id);
        if (d == null) {
            throw new VfioException(VfioError.of(Errno.ENODEV, "open", id, "no such broken simulated device; they are "
                    + String.join(", ", defects.keySet())));
        }
        SimSession s = (SimSession) devices.open(id);
        try {
            return new BrokenSession(s, d);
        } catch (VfioException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public Optional<MigState> watchState(String id) {
        return owns(id) ? devices.watchState(id) : Optional.empty();
    }
}

package dev.migscope.conform;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.sim.BrokenSimBackend;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimProfile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small simulated devices for conformance tests: one per feature set (two with every feature), and the broken drivers. */
final class Conformance {

    /** {STOP_COPY}, {+P2P}, {+PRE_COPY}, {+P2P+PRE_COPY}, by device id. */
    static final Map<String, MigFeatures> ONE_PER_FEATURE_SET = new LinkedHashMap<>();

    static {
        String[] ids = {"sim:c-stopcopy-0", "sim:c-p2p-0", "sim:c-precopy-0", "sim:c-all-0"};
        for (int i = 0; i < ids.length; i++) {
            ONE_PER_FEATURE_SET.put(ids[i], MigFeatures.VALID_SETS.get(i));
        }
    }

    static final String PEER = "sim:c-all-1";
    /** Runs stay quick: the properties tested do not depend on the repeat count. */
    static final ConformanceOptions FAST = new ConformanceOptions(3, 16L << 20);

    private Conformance() {
    }

    record Rig(DeviceRegistry registry, SimBackend sim, BrokenSimBackend broken) {
    }

    static Rig rig() {
        ManualClock clock = new ManualClock();
        Map<String, SimProfile> table = new LinkedHashMap<>();
        ONE_PER_FEATURE_SET.forEach((id, f) -> table.put(id, profile(f)));
        table.put(PEER, profile(MigFeatures.ALL));
        SimBackend sim = new SimBackend(clock, table);
        BrokenSimBackend broken = new BrokenSimBackend(clock);
        List<DeviceBackend> simulated = List.of(sim, broken);
        return new Rig(new DeviceRegistry(List.of(), simulated, true), sim, broken);
    }

    /** 1 MiB of state, half of it PRE_COPY's initial image, DMA logging with P2P devices (as pds and mlx5). */
    private static SimProfile profile(MigFeatures f) {
        long kib = 1024;
        boolean pre = f.has(dev.migscope.fsm.MigFeature.PRE_COPY);
        return new SimProfile("sim_conform", f, "migscope", "conformance test device (" + f + ")", 1024 * kib,
                pre ? 512 * kib : 0, 64 * kib, 256 * 1024 * kib, f.has(dev.migscope.fsm.MigFeature.P2P), 100);
    }
}

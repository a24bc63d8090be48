package dev.migscope.sim;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simulated devices: one of each driver family, two mlx5 so a save on one can be resumed into
 * the other, and a non-converging one. Each instance has its own devices, all on one clock.
 */
public final class SimBackend implements DeviceBackend {

    public static final String NAME = "sim";

    private final SimClock clock;
    private final Map<String, SimDevice> devices = new LinkedHashMap<>();
    /** Simulated fds are numbered like a process's: above stdio and the device fds. */
    private final AtomicInteger nextFd = new AtomicInteger(20);

    /** The standard devices; @param clock the time they live by: {@link SimClock#system()}, or a {@link ManualClock} */
    public SimBackend(SimClock clock) {
        this(clock, standardDevices());
    }

    /**
     * Other devices than the standard ones, for workloads of other sizes (property tests use tiny
     * devices; benchmarks may use large ones). Ids must start with {@code sim:}.
     */
    public SimBackend(SimClock clock, Map<String, SimProfile> devicesById) {
        this.clock = clock;
        devicesById.forEach((id, profile) -> {
            if (!id.startsWith("sim:")) {
                throw new IllegalArgumentException("simulated device ids start with sim: (" + id + ")");
            }
            devices.put(id, new SimDevice(this, id, profile));
        });
    }

    /**
     * sim:mlx5-0, sim:mlx5-1, sim:hisi-0, sim:pds-0, sim:stopcopy-0, sim:nonconv-0, sim:mlx5-reinit-0,
     * sim:xe-0, in listing order.
     */
    public static Map<String, SimProfile> standardDevices() {
        Map<String, SimProfile> m = new LinkedHashMap<>();
        m.put("sim:mlx5-0", SimProfile.mlx5());
        m.put("sim:mlx5-1", SimProfile.mlx5());
        m.put("sim:hisi-0", SimProfile.hisiAcc());
        m.put("sim:pds-0", SimProfile.pds());
        m.put("sim:stopcopy-0", SimProfile.stopCopyOnly());
        m.put("sim:nonconv-0", SimProfile.nonConverging());
        m.put("sim:mlx5-reinit-0", SimProfile.mlx5Reinit());
        m.put("sim:xe-0", SimProfile.xe());
        return m;
    }

    SimClock clock() {
        return clock;
    }

    int nextFd() {
        return nextFd.getAndIncrement();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<DeviceInfo> list() {
        List<DeviceInfo> list = new ArrayList<>();
        for (SimDevice d : devices.values()) {
            if (!d.unplugged()) {
                list.add(d.info());
            }
        }
        return list;
    }

    @Override
    public boolean owns(String id) {
        return devices.containsKey(id);
    }

    @Override
    public synchronized DeviceSession open(String id) throws VfioException {
        SimDevice d = devices.get(id);
        if (d == null) {
            throw new VfioException(VfioError.of(Errno.ENODEV, "open", id,
                    "no such simulated device; `migscope list --sim` shows them"));
        }
        d.checkPresent("open");
        SimSession holder = d.holder();
        if (holder != null) {
            throw new VfioException(VfioError.of(Errno.EBUSY, "open", id, "the device is held by "
                    + holder.owner() + "; close the session that holds it, then open it again"));
        }
        SimSession session = new SimSession(d);
        d.attach(session);
        return session;
    }

    /** Like debugfs for a device another session holds: the simulator can always tell its state. */
    @Override
    public Optional<MigState> watchState(String id) {
        SimDevice d = devices.get(id);
        return d == null || d.unplugged() ? Optional.empty() : Optional.of(d.state());
    }
}

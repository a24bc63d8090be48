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

    /** @param clock the time the devices live by: {@link SimClock#system()}, or a {@link ManualClock} */
    public SimBackend(SimClock clock) {
        this.clock = clock;
        add("sim:mlx5-0", SimProfile.mlx5());
        add("sim:mlx5-1", SimProfile.mlx5());
        add("sim:hisi-0", SimProfile.hisiAcc());
        add("sim:pds-0", SimProfile.pds());
        add("sim:stopcopy-0", SimProfile.stopCopyOnly());
        add("sim:nonconv-0", SimProfile.nonConverging());
    }

    private void add(String id, SimProfile profile) {
        devices.put(id, new SimDevice(this, id, profile));
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

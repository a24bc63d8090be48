package dev.migscope.testsupport;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
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
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A backend of {@link FakeDevice}s. Its listing reads their state without a GET, and it can watch a
 * device it was told about (the passive path, as debugfs does for a device another process holds).
 * The window's tests must not depend on the simulator package (ui never imports it), so they get
 * their devices from here through {@link #registry}.
 */
public final class FakeBackend implements DeviceBackend {

    public static final String STOP_COPY_ONLY = "fake:stopcopy-0";
    public static final String P2P = "fake:p2p-0";
    public static final String PRE_COPY = "fake:precopy-0";
    public static final String ALL = "fake:all-0";

    /** The saved state of {@link #oneOfEachFeatureSet}'s devices: a save takes a while on a paced link. */
    private static final int STATE_BYTES = 4 << 20;

    private final Map<String, FakeDevice> devices = new LinkedHashMap<>();
    /** Set by a test while another thread watches. */
    private final Map<String, MigState> watched = new ConcurrentHashMap<>();

    /**
     * One device per v1 feature set ({@link #STOP_COPY_ONLY}, {@link #P2P}, {@link #PRE_COPY},
     * {@link #ALL}), each with 4 MiB of state read 64 KiB at a time over a 24 MiB/s link, and 8 pages
     * dirty in every DMA logging report: a save the window can be watched and cancelled during.
     */
    public static FakeBackend oneOfEachFeatureSet() {
        FakeBackend b = new FakeBackend();
        String[][] idsAndDrivers = {{STOP_COPY_ONLY, "fake_stopcopy"}, {P2P, "fake_p2p"}, {PRE_COPY, "fake_precopy"},
            {ALL, "fake_all"}};
        for (int i = 0; i < idsAndDrivers.length; i++) {
            byte[] content = new byte[STATE_BYTES];
            new Random(i).nextBytes(content);
            FakeDevice d = new FakeDevice(idsAndDrivers[i][0], idsAndDrivers[i][1], MigFeatures.VALID_SETS.get(i),
                    content);
            d.setReadGranule(64 << 10);
            d.setLinkBandwidth(24L << 20);
            d.setDmaDirtyPagesPerReport(8);
            b.add(d);
        }
        return b;
    }

    /** A registry of {@code backend}'s devices alone, listed as simulated ones are. */
    public static DeviceRegistry registry(FakeBackend backend) {
        return new DeviceRegistry(List.of(), List.of(backend), true);
    }

    public FakeBackend add(FakeDevice d) {
        devices.put(d.info().id(), d);
        return this;
    }

    /** {@link #watchState} of {@code id} reads {@code s}. */
    public FakeBackend watchable(String id, MigState s) {
        watched.put(id, s);
        return this;
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
        return devices.values().stream().map(FakeDevice::info).toList();
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

    @Override
    public Optional<MigState> watchState(String id) {
        return Optional.ofNullable(watched.get(id));
    }
}

package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.migscope.device.DeviceBackendProvider;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Listing, opening, closing, unplugging, and the registry finding the simulator. */
class SimSessionTest {

    private final SimBackend backend = new SimBackend(new ManualClock());

    @Test
    void listsTheFixedDevicesRunningWithTheirFeatures() {
        List<DeviceInfo> list = backend.list();
        assertThat(list).extracting(DeviceInfo::id).containsExactly("sim:mlx5-0", "sim:mlx5-1", "sim:hisi-0",
                "sim:pds-0", "sim:stopcopy-0", "sim:nonconv-0", "sim:mlx5-reinit-0", "sim:xe-0");
        assertThat(list).extracting(DeviceInfo::driver).containsExactly("sim_mlx5", "sim_mlx5", "sim_hisi_acc",
                "sim_pds", "sim_stop_copy", "sim_mlx5", "sim_mlx5", "sim_xe");
        assertThat(list).allSatisfy(d -> {
            assertThat(d.kind()).isEqualTo(DeviceKind.SIM);
            assertThat(d.state()).isEqualTo(MigState.RUNNING);
            assertThat(d.iommuGroup()).isNull();
            assertThat(d.cdev()).isNull();
            assertThat(d.access()).isNull();
            assertThat(d.owner()).isNull();
            assertThat(d.vendorName()).isNotBlank();
            assertThat(d.deviceName()).isNotBlank();
        });
        assertThat(list.get(2).features()).isEqualTo(MigFeatures.parse("stop-copy,pre-copy"));
        assertThat(list.get(3).features()).isEqualTo(MigFeatures.parse("stop-copy,p2p"));
        assertThat(list.get(4).features()).isEqualTo(MigFeatures.STOP_COPY_ONLY);
        assertThat(list.get(5).features()).isEqualTo(MigFeatures.ALL);
    }

    @Test
    void aSecondOpenIsEBUSYNamingTheHolder() throws Exception {
        try (DeviceSession s = backend.open("sim:pds-0")) {
            VfioException e = catchThrowableOfType(() -> backend.open("sim:pds-0"), VfioException.class);
            assertThat(e.error().is(Errno.EBUSY)).isTrue();
            assertThat(e.error().message()).contains("held by migscope (pid " + ProcessHandle.current().pid() + ")");
            assertThat(backend.list().get(3).owner()).isNotNull();
            s.setState(MigState.STOP);
            assertThat(backend.list().get(3).state()).isEqualTo(MigState.STOP);
            assertThat(backend.watchState("sim:pds-0")).contains(MigState.STOP);
        }
        try (DeviceSession again = backend.open("sim:pds-0")) {
            assertThat(again.getState()).as("close_device returned it to RUNNING").isEqualTo(MigState.RUNNING);
        }
    }

    @Test
    void closingEndsStreamsAndTheSession() throws Exception {
        DeviceSession s = backend.open("sim:mlx5-0");
        MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();
        s.close();
        s.close();
        assertThat(catchThrowableOfType(() -> fd.read(ByteBuffer.allocate(8)), VfioException.class).error()
                .is(Errno.ENODEV)).isTrue();
        assertThat(catchThrowableOfType(s::getState, VfioException.class).error().is(Errno.EBADF)).isTrue();
        assertThat(backend.watchState("sim:mlx5-0")).contains(MigState.RUNNING);
    }

    @Test
    void unplugMakesEveryCallENODEVAndHidesTheDevice() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:hisi-0")) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();
            s.unplug();
            for (VfioException e : List.of(
                    catchThrowableOfType(s::getState, VfioException.class),
                    catchThrowableOfType(() -> s.setState(MigState.STOP), VfioException.class),
                    catchThrowableOfType(s::migDataSize, VfioException.class),
                    catchThrowableOfType(s::reset, VfioException.class),
                    catchThrowableOfType(fd::precopyInfo, VfioException.class),
                    catchThrowableOfType(() -> fd.read(ByteBuffer.allocate(8)), VfioException.class),
                    catchThrowableOfType(() -> backend.open("sim:hisi-0"), VfioException.class))) {
                assertThat(e.error().is(Errno.ENODEV)).as(e.getMessage()).isTrue();
                assertThat(e.error().deviceId()).isEqualTo("sim:hisi-0");
            }
            assertThat(backend.list()).extracting(DeviceInfo::id).doesNotContain("sim:hisi-0");
            assertThat(backend.watchState("sim:hisi-0")).isEmpty();
        }
    }

    @Test
    void unknownIdIsENODEV() {
        assertThat(backend.owns("sim:nope")).isFalse();
        VfioException e = catchThrowableOfType(() -> backend.open("sim:nope"), VfioException.class);
        assertThat(e.error().is(Errno.ENODEV)).isTrue();
    }

    @Test
    void listingDoesNotWaitForASlowSet() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:stopcopy-0")) {
            s.setSetStateDelay(Duration.ofMinutes(10));
            AtomicReference<VfioException> failure = new AtomicReference<>();
            Thread device = new Thread(() -> {
                try {
                    s.setState(MigState.STOP);
                } catch (VfioException e) {
                    failure.set(e);
                }
            });
            device.start();
            while (device.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
            assertThat(backend.list().get(4).state()).isEqualTo(MigState.RUNNING);
            device.interrupt();
            device.join();
            assertThat(failure.get().error().is(Errno.ECANCELED)).isTrue();
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
        }
    }

    @Test
    void concurrentListingSeesOnlyRealStates() throws Exception {
        try (SimSession s = Sims.open(backend, "sim:mlx5-0")) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread lister = new Thread(() -> {
                try {
                    for (int i = 0; i < 2000; i++) {
                        assertThat(backend.list().get(0).state()).isIn(MigState.RUNNING, MigState.RUNNING_P2P,
                                MigState.STOP, MigState.PRE_COPY, MigState.PRE_COPY_P2P);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            lister.start();
            for (int i = 0; i < 500; i++) {
                s.setState(i % 2 == 0 ? MigState.STOP : MigState.PRE_COPY);
            }
            lister.join();
            assertThat(failure.get()).isNull();
        }
    }

    @Test
    void theProviderIsFoundAndTheRegistryListsSimulatedDevices() throws Exception {
        DeviceBackendProvider sim = ServiceLoader.load(DeviceBackendProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("sim")).findFirst().orElseThrow();
        assertThat(sim.real()).isFalse();
        assertThat(sim.create()).isInstanceOf(SimBackend.class);
        DeviceRegistry registry = DeviceRegistry.load(true);
        assertThat(registry.list()).extracting(DeviceInfo::id).contains("sim:mlx5-0", "sim:nonconv-0");
        try (DeviceSession s = registry.open("sim:stopcopy-0")) {
            assertThat(s.simulation()).isPresent();
            assertThat(s.migrationFeatures()).isEqualTo(MigFeatures.STOP_COPY_ONLY);
        }
    }
}

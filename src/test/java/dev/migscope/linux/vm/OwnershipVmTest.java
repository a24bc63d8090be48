package dev.migscope.linux.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Who holds a device, what a second opener is told, and watching a held device through debugfs. */
@Tag("vm")
class OwnershipVmTest {

    static final long PID = ProcessHandle.current().pid();

    private static DeviceInfo listed(String id) {
        return VmRig.BACKEND.list().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    @AfterAll
    static void leaveTheMttysRunning() throws VfioException {
        VmRig.resetAll();
    }

    @Test
    void aSecondOpenerOfAnMdevIsToldThisJvmHoldsIt() throws VfioException {
        String id = VmRig.mtty(0);
        try (DeviceSession first = VmRig.BACKEND.open(id)) {
            assertThat(first.getState()).isNotNull();

            assertThatThrownBy(() -> VmRig.BACKEND.open(id)).isInstanceOfSatisfying(VfioException.class, e -> {
                assertThat(e.error().is(Errno.EBUSY)).as(e.error().describe()).isTrue();
                assertThat(e.error().message()).contains("pid " + PID);
            });
            assertThat(listed(id).owner()).isNotNull();
            assertThat(listed(id).owner().pid()).isEqualTo(PID);
        }
        // Everything the first open held (device fd, iommufd) is released: a new open works.
        try (DeviceSession again = VmRig.BACKEND.open(id)) {
            assertThat(again.getState()).isNotNull();
        }
        assertThat(listed(id).owner()).isNull();
    }

    @Test
    void aSecondOpenerOfThePciFunctionIsToldThisJvmHoldsIt() throws VfioException {
        String id = VmRig.pci().id();
        try (DeviceSession first = VmRig.BACKEND.open(id)) {
            assertThat(first.info().id()).isEqualTo(id);

            assertThatThrownBy(() -> VmRig.BACKEND.open(id)).isInstanceOfSatisfying(VfioException.class, e -> {
                assertThat(e.error().is(Errno.EBUSY)).as(e.error().describe()).isTrue();
                assertThat(e.error().message()).contains("pid " + PID).contains("noiommu-");
            });
        }
        try (DeviceSession again = VmRig.BACKEND.open(id)) {
            assertThat(again.info().id()).isEqualTo(id);
        }
    }

    /**
     * A process that holds only the group node, as QEMU does: the cdev route's BIND_IOMMUFD gets
     * EBUSY (vfio_device_block_group), and the sentence names that process, not "run as root".
     */
    @Test
    void aHolderOfOnlyTheGroupNodeIsNamed() throws Exception {
        DeviceInfo d = listed(VmRig.mtty(1));
        String group = "/dev/vfio/" + d.iommuGroup();
        Process holder = new ProcessBuilder("sh", "-c", "exec 3<>" + group + "; exec sleep 300").start();
        try {
            Path fd3 = Path.of("/proc/" + holder.pid() + "/fd/3");
            Path comm = Path.of("/proc/" + holder.pid() + "/comm");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!(Files.exists(fd3) && Files.readString(comm).trim().equals("sleep"))) {
                assertThat(System.nanoTime()).as("%s holds %s within 30 s", holder.pid(), group).isLessThan(deadline);
                Thread.sleep(50);
            }

            assertThatThrownBy(() -> VmRig.BACKEND.open(d.id())).isInstanceOfSatisfying(VfioException.class, e -> {
                assertThat(e.error().is(Errno.EBUSY)).as(e.error().describe()).isTrue();
                assertThat(e.error().message()).contains("sleep (pid " + holder.pid() + ")").contains(group)
                        .doesNotContain("run as root");
            });
            assertThat(listed(d.id()).owner()).isEqualTo(new Owner((int) holder.pid(), "sleep"));
        } finally {
            holder.destroy();
            holder.waitFor();
        }
        try (DeviceSession again = VmRig.BACKEND.open(d.id())) {
            assertThat(again.getState()).isNotNull();
        }
    }

    @Test
    void thePciFunctionHasNoMigrationSupport() throws VfioException {
        String id = VmRig.pci().id();
        try (DeviceSession s = VmRig.BACKEND.open(id)) {
            assertThatThrownBy(s::migrationFeatures).isInstanceOfSatisfying(VfioException.class, e -> {
                assertThat(e.error().is(Errno.ENOTTY)).as(e.error().describe()).isTrue();
                assertThat(e.error().message()).contains("no migration support");
            });
            assertThatThrownBy(s::getState).isInstanceOfSatisfying(VfioException.class,
                    e -> assertThat(e.error().is(Errno.ENOTTY)).isTrue());
            assertThat(s.dmaLoggingSupported()).isFalse();
        }
        assertThat(VmRig.BACKEND.watchState(id)).isEmpty();
    }

    @Test
    void debugfsShowsTheStateOfAHeldDevice() throws VfioException {
        String id = VmRig.mtty(0);
        try (DeviceSession s = VmRig.openFresh(id)) {
            assertThat(VmRig.BACKEND.watchState(id)).contains(MigState.RUNNING);

            s.setState(MigState.STOP);
            assertThat(VmRig.BACKEND.watchState(id)).contains(MigState.STOP);
            assertThat(listed(id).state()).isEqualTo(MigState.STOP);

            s.setState(MigState.RUNNING_P2P);
            assertThat(VmRig.BACKEND.watchState(id)).contains(MigState.RUNNING_P2P);
            s.reset();
        }
    }
}

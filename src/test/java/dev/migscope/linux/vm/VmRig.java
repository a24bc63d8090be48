package dev.migscope.linux.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.linux.LinuxBackend;
import dev.migscope.linux.LinuxRoots;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the vm tests share: the real backend, the devices found by listing (driver mtty for the
 * two mdevs, driver vfio-pci for the PCI function), and single-step walks through the FSM.
 */
final class VmRig {

    static final LinuxBackend BACKEND = new LinuxBackend(LinuxRoots.system());

    private VmRig() {
    }

    /** The mtty mdevs, sorted by UUID; the rig creates two. */
    static List<DeviceInfo> mttys() {
        List<DeviceInfo> mttys = BACKEND.list().stream()
                .filter(d -> d.kind() == DeviceKind.MDEV && d.driver().equals("mtty"))
                .sorted(Comparator.comparing(DeviceInfo::id))
                .toList();
        assertThat(mttys).as("mtty devices listed by the linux backend").hasSizeGreaterThanOrEqualTo(2);
        return mttys;
    }

    static String mtty(int i) {
        return mttys().get(i).id();
    }

    /** The PCI function bound to vfio-pci (in no-IOMMU mode in the rig). */
    static DeviceInfo pci() {
        List<DeviceInfo> pci = BACKEND.list().stream()
                .filter(d -> d.kind() == DeviceKind.PCI && d.driver().equals("vfio-pci"))
                .toList();
        assertThat(pci).as("PCI functions bound to vfio-pci").hasSize(1);
        return pci.get(0);
    }

    /**
     * Resets every mtty, leaving them RUNNING as the rig made them: what runs after this suite
     * (other vm tests, the CLI checks) must not inherit a state a test left behind.
     */
    static void resetAll() throws VfioException {
        for (DeviceInfo d : mttys()) {
            try (DeviceSession s = BACKEND.open(d.id())) {
                s.reset();
                assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            }
        }
    }

    /**
     * Opens {@code id} and resets it: mtty keeps its migration state across close and open
     * (mtty_close does not touch it), so every test starts from RUNNING.
     */
    static DeviceSession openFresh(String id) throws VfioException {
        DeviceSession s = BACKEND.open(id);
        try {
            s.reset();
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            return s;
        } catch (VfioException | RuntimeException | AssertionError e) {
            s.close();
            throw e;
        }
    }

    /**
     * Walks from RUNNING to {@code target} one direct arc per SET, checking each step with a GET
     * and checking that exactly the arcs that open a data_fd return one. The data_fds stay open
     * until the session closes them. Entering RESUMING writes a valid image of the device (saved
     * first), because mtty refuses to leave RESUMING for STOP without one (mtty_load_state).
     */
    static void walk(DeviceSession s, MigState target) throws VfioException {
        assertThat(s.getState()).as("walks start from RUNNING").isEqualTo(MigState.RUNNING);
        MigPath path = MigrationFsm.path(MigFeatures.ALL, MigState.RUNNING, target);
        assertThat(path.isRefused()).as("%s is reachable", target).isFalse();
        byte[] image = path.states().contains(MigState.RESUMING) ? image(s) : null;
        for (Arc arc : path.arcs()) {
            Optional<MigrationStream> fd = s.setState(arc.to());
            assertThat(fd.isPresent()).as("%s returns a data_fd", arc).isEqualTo(arc.effect().opensDataFd());
            assertThat(s.getState()).as("GET after %s", arc).isEqualTo(arc.to());
            if (arc.to() == MigState.RESUMING) {
                writeAll(fd.orElseThrow(), image);
            }
        }
    }

    /** A valid migration image of the device: saved through STOP_COPY, then the device is reset to RUNNING. */
    static byte[] image(DeviceSession s) throws VfioException {
        byte[] image = save(s);
        s.reset();
        assertThat(s.getState()).isEqualTo(MigState.RUNNING);
        return image;
    }

    /** Reads until read() returns 0 (the end in STOP_COPY, the temporary end in PRE_COPY). */
    static byte[] drain(MigrationStream stream) throws VfioException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        while (true) {
            buf.clear();
            int n = stream.read(buf);
            if (n == 0) {
                return out.toByteArray();
            }
            buf.flip();
            byte[] chunk = new byte[n];
            buf.get(chunk);
            out.write(chunk, 0, n);
        }
    }

    /** Writes all of {@code data}, as many write() calls as the driver needs. */
    static void writeAll(MigrationStream stream, byte[] data) throws VfioException {
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            int n = stream.write(src);
            assertThat(n).as("bytes the driver accepted").isPositive();
        }
    }

    /** Saves the device's state: one SET to STOP_COPY, the whole stream read to its end. */
    static byte[] save(DeviceSession s) throws VfioException {
        MigrationStream stream = s.setState(MigState.STOP_COPY).orElseThrow();
        try {
            return drain(stream);
        } finally {
            stream.close();
        }
    }
}

package dev.migscope.linux.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.stream.QemuStreamFile;
import dev.migscope.stream.StreamTap;
import dev.migscope.stream.TapEndpoint;
import dev.migscope.stream.TapPass;
import dev.migscope.stream.VfioData;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real QEMU 10 migration of mtty through {@code migscope tap} in the rig's guest: it completes,
 * the tap's VFIO data bytes are QEMU's own vfio.transferred, the destination's device runs, and
 * the saved stream reads whole with the same bytes.
 */
@Tag("vm")
class TapVmTest {

    @TempDir
    Path dir;

    @AfterAll
    static void leaveTheMttysRunning() throws VfioException {
        VmRig.resetAll();
    }

    private static String vfioPci(String uuid) {
        return "vfio-pci,sysfsdev=/sys/bus/mdev/devices/" + uuid + ",id=mtty0,migration-events=on,enable-migration=on";
    }

    private static AttachedQemu attach(QemuProcess q) throws Exception {
        return AttachedQemu.attach(q.qmp(), QemuProcess.WAIT, new DeviceRegistry(List.of(VmRig.BACKEND), List.of(),
                false), o -> System.out.println("  " + o.text()));
    }

    @Test
    void anMttyMigratesThroughTheTapWhichCountsQemusVfioBytes() throws Exception {
        String source = VmRig.mtty(0);
        String destination = VmRig.mtty(1);
        try (var s = VmRig.openFresh(source)) {
            assertThat(s.info().id()).isEqualTo(source);
        }
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        Path saved = dir.resolve("saved.qemu");
        List<TapPass> live = new CopyOnWriteArrayList<>();
        TapPass.Watcher watcher = new TapPass.Watcher();
        try (QemuProcess src = QemuProcess.start(dir, "src", "-device", vfioPci(source));
                QemuProcess dst = QemuProcess.start(dir, "dst", "-device", vfioPci(destination),
                        "-incoming", "unix:" + dstSock);
                AttachedQemu s = attach(src);
                AttachedQemu d = attach(dst)) {
            StreamTap tap = new StreamTap(TapEndpoint.parse("unix:" + tapSock), TapEndpoint.parse("unix:" + dstSock),
                    saved, new StreamTap.Listener() {
                        @Override
                        public void section(dev.migscope.stream.Section section, dev.migscope.stream.StreamDecoder dec) {
                            live.addAll(watcher.passes(section, dec));
                        }
                    });
            tap.start();
            src.migrate(tapSock);
            StreamTap.Result r = tap.await();
            live.forEach(p -> System.out.println("  " + p.text()));
            System.out.println("  " + r.verdict());
            assertThat(r.completed()).as(r.verdict()).isTrue();
            assertThat(s.outcome().get(QemuMigrationVmTest.OUTCOME_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo(AttachedQemu.Outcome.COMPLETED);
            assertThat(d.outcome().get(QemuMigrationVmTest.OUTCOME_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo(AttachedQemu.Outcome.COMPLETED);

            long transferred = s.runs().get(0).info().vfioTransferred();
            VfioData mtty = r.summary().devices().get(0);
            assertThat(mtty.name()).endsWith("/vfio");
            assertThat(mtty.dataBytes()).as("the tap's DATA_STATE bytes against QEMU's vfio.transferred")
                    .isEqualTo(transferred).isPositive();
            assertThat(live.stream().filter(p -> !p.isRam()).mapToLong(TapPass::bytes).sum()).isEqualTo(transferred);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(QemuMigrationVmTest.OUTCOME_SECONDS);
            while (d.devices().get(0).state() != MigState.RUNNING) {
                assertThat(System.nanoTime()).as("the destination's mtty RUNNING").isLessThan(deadline);
                Thread.sleep(20);
            }

            QemuStreamFile.Read read = QemuStreamFile.read(saved, null);
            assertThat(read.summary().complete()).isTrue();
            assertThat(read.summary().devices().get(0).dataBytes()).isEqualTo(transferred);
        }
    }
}

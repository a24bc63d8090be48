package dev.migscope.attachtap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.ObservedDevice;
import dev.migscope.stream.StreamTap;
import dev.migscope.stream.TapEndpoint;
import dev.migscope.telemetry.Metric;
import dev.migscope.testsupport.FakeQmpServer;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.QemuStreamBuilder;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tap's VFIO sections mapped to attached devices: a scripted QEMU 10 holding mtty0 (query-pci
 * places it at 0000:00:01.0), a stream laid out as QEMU 10 writes mtty's sections sent through a
 * real tap between two sockets; and a device whose PCI path the link could not say.
 */
class AttachTapTest {

    private static final byte[] PRECOPY = new byte[24];
    private static final byte[] STOP_COPY = new byte[72];

    @TempDir
    Path dir;

    private final List<Observation> seen = new CopyOnWriteArrayList<>();

    private FakeQmpServer qemu(String queryPci) throws Exception {
        FakeQmpServer f = FakeQmpServer.start(dir.resolve("qmp"), FakeQmpServer.greeting(10, 0, 2))
                .reply("qmp_capabilities", "{}").reply("query-name", "{\"name\": \"src\"}")
                .reply("query-status", "{\"status\": \"running\", \"running\": true}")
                .reply("query-migrate-parameters", "{\"downtime-limit\": 300}")
                .reply("query-migrate-capabilities", "[{\"capability\": \"events\", \"state\": true}]")
                .reply("query-migrate", "{\"status\": \"none\"}")
                .reply("qom-list", a -> a.path("path").asText().equals("/machine/peripheral")
                        ? "[{\"name\": \"mtty0\", \"type\": \"child<vfio-pci>\"}]" : "[]")
                .reply("qom-get", a -> switch (a.path("property").asText()) {
                    case "sysfsdev" -> "\"/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\"";
                    case "host" -> "\"0000:00:00.0\"";
                    default -> "true";
                });
        return queryPci == null ? f : f.reply("query-pci", queryPci);
    }

    /** Sends {@code stream} through a tap to a destination that reads it all, as a migration would. */
    private StreamTap.Result migrateThrough(AttachTap t, byte[] stream) throws Exception {
        Path dst = dir.resolve("dst.sock");
        ServerSocketChannel destination = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        destination.bind(UnixDomainSocketAddress.of(dst));
        CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = destination.accept()) {
                long n = 0;
                ByteBuffer b = ByteBuffer.allocate(65536);
                for (int r; (r = c.read(b.clear())) >= 0;) {
                    n += r;
                }
                return n;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (SocketChannel src = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("tap.sock")))) {
            src.write(ByteBuffer.wrap(stream));
            src.shutdownOutput();
            assertThat(received.get()).isEqualTo(stream.length);
            while (src.read(ByteBuffer.allocate(16)) >= 0) {
                // the tap closes the source's side once the destination closed
            }
        }
        destination.close();
        return t.finish();
    }

    /** Runs the attach as the CLI does, on its own thread; the test's end detaches it. */
    private static void follow(AttachRun run) {
        CompletableFuture.runAsync(() -> {
            try {
                run.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private AttachTap tap(AttachRun run) {
        return new AttachTap(new AttachTap.Ends(TapEndpoint.parse("unix:" + dir.resolve("tap.sock")),
                TapEndpoint.parse("unix:" + dir.resolve("dst.sock"))), run::qemus, seen::add);
    }

    @Test
    void aVfioSectionFeedsTheAttachedDeviceOfItsPciPathItsBytesByPhase() throws Exception {
        String pci = "[{\"bus\": 0, \"devices\": [{\"bus\": 0, \"slot\": 1, \"function\": 0, \"qdev_id\": \"mtty0\"}]}]";
        AttachRun.Options o = new AttachRun.Options(List.of(dir.resolve("qmp")), false, QemuProcess.WAIT, null,
                false, null);
        try (FakeQmpServer f = qemu(pci); AttachRun run = new AttachRun(o, QemuProcess.NO_HOST_DEVICES, seen::add);
                AttachTap t = tap(run)) {
            follow(run);
            t.start();
            long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
            while (run.qemus().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            AttachedQemu q = run.qemus().get(0);
            ObservedDevice mtty = q.devices().get(0);
            assertThat(mtty.pciPath()).isEqualTo("0000:00:01.0");

            StreamTap.Result r = migrateThrough(t, QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, new byte[8])
                    .build());

            assertThat(r.completed()).as(r.verdict()).isTrue();
            assertThat(mtty.tapBytes()).contains(new ObservedDevice.TapBytes(24, 72));
            assertThat(seen).extracting(Observation::text)
                    .contains("vfio 0000:00:01.0/vfio precopy pass 1: 1 DATA_STATE, 24 bytes -> qemu:src:mtty0")
                    .contains("vfio 0000:00:01.0/vfio stop-copy: 1 DATA_STATE, 72 bytes -> qemu:src:mtty0")
                    .contains("qemu:src:mtty0 (0000:00:01.0): precopy 24 bytes, stop-copy 72 bytes")
                    .noneMatch(l -> l.contains("no attached device"));
            // The next poll's sample: the device's own total, from the tap (QEMU's vfio.transferred is absent).
            long v = mtty.telemetry().version();
            while (mtty.telemetry().version() == v && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(mtty.telemetry().latest().get(Metric.TOTAL_BYTES)).isEqualTo(96.0);
        }
    }

    @Test
    void aSectionNoAttachedDeviceHasIsSaidOnceNamingTheDeviceWhosePathIsUnknown() throws Exception {
        AttachRun.Options o = new AttachRun.Options(List.of(dir.resolve("qmp")), false, QemuProcess.WAIT, null,
                false, null);
        try (FakeQmpServer f = qemu(null); AttachRun run = new AttachRun(o, QemuProcess.NO_HOST_DEVICES, seen::add);
                AttachTap t = tap(run)) {
            follow(run);
            t.start();
            long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
            while (run.qemus().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            StreamTap.Result r = migrateThrough(t, QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, new byte[8])
                    .build());
            assertThat(r.completed()).isTrue();
            assertThat(run.qemus().get(0).devices().get(0).tapBytes()).isEmpty();
            assertThat(seen).extracting(Observation::text).filteredOn(l -> l.contains("no attached device"))
                    .containsExactly("0000:00:01.0/vfio: no attached device has this guest PCI path; the PCI path of "
                            + "qemu:src:mtty0 is unknown (QMP's query-pci did not name it; libvirt forwards no "
                            + "query-pci), so the tap cannot map it");
        }
    }

    @Test
    void listenEqualsForwardSplitsAtTheSecondUrisScheme() {
        AttachTap.Ends e = AttachTap.Ends.parse("unix:/tmp/a=b.sock=tcp:127.0.0.1:4444");
        assertThat(e.listen().toString()).isEqualTo("unix:/tmp/a=b.sock");
        assertThat(e.forward().toString()).isEqualTo("tcp:127.0.0.1:4444");
        assertThatThrownBy(() -> AttachTap.Ends.parse("unix:/tmp/a.sock")).hasMessageContaining("LISTEN=FORWARD");
        assertThat(AttachTap.pciPathOf("0000:00:1c.0:00.0/vfio")).isEqualTo("0000:00:1c.0:00.0");
        assertThat(AttachTap.pciPathOf("ram")).isEmpty();
    }
}

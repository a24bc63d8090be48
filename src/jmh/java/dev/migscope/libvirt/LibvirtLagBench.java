package dev.migscope.libvirt;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.qemu.QemuLink;
import dev.migscope.qemu.QmpEvent;
import dev.migscope.qemu.QmpLink;
import dev.migscope.testsupport.Libvirtd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * How late QEMU's events arrive through libvirt, against a second QMP socket on the same QEMU:
 * a real libvirtd (testsupport.Libvirtd) runs a TCG domain whose {@code <qemu:commandline>} adds
 * {@code -qmp unix:SOCKET}; migscope follows it both ways at once, through {@link LibvirtLink}
 * (libvirtd's monitor, its RPC to this process, libvirt's event loop thread, the JNA callback) and
 * through {@link QmpLink} on the second socket. {@code virsh suspend} and {@code virsh resume}
 * make QEMU send STOP and RESUME; each event's lag is its arrival here (the wall clock, when the
 * link hands it on) minus QEMU's own timestamp of it, which both ways carry unchanged. Prints one
 * line per round: {@code round=N events=E libvirt_p50_ms= libvirt_p99_ms= libvirt_max_ms= qmp_p50_ms=
 * qmp_p99_ms= qmp_max_ms=}.
 * Usage: LibvirtLagBench [ROUNDS] [CYCLES]
 */
public final class LibvirtLagBench {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private LibvirtLagBench() {
    }

    /** The lags of one way, in microseconds, as they arrive. */
    private static final class Lags implements Consumer<QmpEvent> {
        private final List<Long> micros = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void accept(QmpEvent e) {
            long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
            if ((e.name().equals("STOP") || e.name().equals("RESUME")) && e.timestampMicros() > 0) {
                micros.add(now - e.timestampMicros());
            }
        }

        int size() {
            return micros.size();
        }

        List<Long> take() {
            synchronized (micros) {
                List<Long> all = new ArrayList<>(micros);
                micros.clear();
                Collections.sort(all);
                return all;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path dir = Files.createTempDirectory("migscope-libvirt-lag");
        // libvirt's QEMU runs as its own user (libvirt-qemu): the socket's directory is its to write.
        Path sockets = Files.createDirectory(dir.resolve("qmp"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path second = sockets.resolve("second.qmp");
        String commandline = "  <qemu:commandline>\n"
                + "    <qemu:arg value='-qmp'/>\n"
                + "    <qemu:arg value='unix:" + second + ",server=on,wait=off'/>\n"
                + "  </qemu:commandline>\n";
        DeviceRegistry none = new DeviceRegistry(List.of(), List.of(), false);
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.create("lvlag", Libvirtd.domainXml("lvlag", 64, "", commandline));
            Lags viaLibvirt = new Lags();
            Lags viaQmp = new Lags();
            QemuLink lv = LibvirtLink.opener(libvirtd.uri(), "lvlag").open(WAIT, none);
            QemuLink qmp = QmpLink.opener(second).open(WAIT, none);
            try {
                lv.connect(viaLibvirt, why -> System.err.println("libvirt: " + why.message()), w -> { });
                qmp.connect(viaQmp, why -> System.err.println("qmp: " + why.message()), w -> { });
                for (int r = 1; r <= rounds; r++) {
                    for (int i = 0; i < cycles; i++) {
                        libvirtd.virsh("suspend", "lvlag");
                        libvirtd.virsh("resume", "lvlag");
                    }
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while ((viaLibvirt.size() < 2 * cycles || viaQmp.size() < 2 * cycles)
                            && System.nanoTime() < deadline) {
                        TimeUnit.MILLISECONDS.sleep(10);
                    }
                    List<Long> a = viaLibvirt.take();
                    List<Long> b = viaQmp.take();
                    System.out.println("round=" + r + " events=" + 2 * cycles + " libvirt_n=" + a.size() + " qmp_n="
                            + b.size() + " libvirt_p50_ms=" + ms(a, 50) + " libvirt_p99_ms=" + ms(a, 99)
                            + " libvirt_max_ms=" + ms(a, 100) + " qmp_p50_ms=" + ms(b, 50) + " qmp_p99_ms="
                            + ms(b, 99) + " qmp_max_ms=" + ms(b, 100));
                }
            } finally {
                lv.close();
                qmp.close();
            }
        }
        System.exit(0);
    }

    /** The p-th percentile (nearest rank) of sorted microseconds, in ms. */
    private static String ms(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return "nan";
        }
        int rank = Math.max(1, (int) Math.ceil(p / 100.0 * sorted.size()));
        return String.format(Locale.ROOT, "%.3f", sorted.get(rank - 1) / 1000.0);
    }
}

package dev.migscope.qemu;

import dev.migscope.json.Json;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What following a migration costs it: the same RAM-only migration between two QEMU processes on
 * this host (TCG, tiny VMs, over a UNIX socket), without migscope and with migscope attached to
 * both sides (query-migrate at 20 Hz while it runs), interleaved. QEMU's own total-time is the
 * figure. An idle guest migrates in about 50 ms, too short to tell a poll from noise: a
 * max-bandwidth (migrate-set-parameters, bytes/s; 0 leaves QEMU's default) stretches the same
 * migration over seconds. Two more ways, to split an attached migration's cost: a bare QMP
 * connection on each side that sends nothing after its greeting ({@code connected}), and the same
 * connections sending only query-migrate every 50 ms ({@code polled}). Prints one line per round:
 * {@code round=N baseline_ms=X attached_ms=Y baseline_ram_bytes=A attached_ram_bytes=B connected_ms= polled_ms=}.
 * With KERNEL and INITRD the VMs boot that Linux guest (benchmarks/dirty-guest-init dirties memory
 * as PID 1) and migrate once it has run {@link #BOOTED_GUEST_AGE}.
 * Usage: AttachOverheadBench [ROUNDS] [MEMORY_MIB] [MAX_BANDWIDTH] [KERNEL INITRD]
 */
public final class AttachOverheadBench {

    private enum Mode { BASELINE, ATTACHED, CONNECTED, POLLED }

    /** How long each source has run when its migration starts, whatever was attached to it meanwhile. */
    private static final Duration GUEST_AGE = Duration.ofMillis(1500);
    /** The same for a booted Linux guest: its boot under TCG and the 24 MiB of random bytes take 5-8 s. */
    private static final Duration BOOTED_GUEST_AGE = Duration.ofSeconds(12);

    private AttachOverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String memory = args.length > 1 ? args[1] : "256";
        long bandwidth = args.length > 2 ? Long.parseLong(args[2]) : 0;
        List<String> guest = args.length > 4 ? List.of("-kernel", args[3], "-initrd", args[4], "-append",
                "console=ttyS0 panic=-1") : List.of();
        for (int r = 1; r <= rounds; r++) {
            MigrationInfo baseline = migrate(memory, bandwidth, guest, Mode.BASELINE);
            MigrationInfo attached = migrate(memory, bandwidth, guest, Mode.ATTACHED);
            MigrationInfo connected = migrate(memory, bandwidth, guest, Mode.CONNECTED);
            MigrationInfo polled = migrate(memory, bandwidth, guest, Mode.POLLED);
            System.out.println("round=" + r + " baseline_ms=" + baseline.totalTimeMs() + " attached_ms="
                    + attached.totalTimeMs() + " baseline_ram_bytes=" + baseline.ramTransferred()
                    + " attached_ram_bytes=" + attached.ramTransferred() + " connected_ms=" + connected.totalTimeMs()
                    + " polled_ms=" + polled.totalTimeMs());
        }
        System.exit(0);
    }

    private static String[] vm(List<String> guest, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(guest);
        return all.toArray(String[]::new);
    }

    /** One migration from a fresh source to a fresh destination; QEMU's figures at its end. */
    private static MigrationInfo migrate(String memory, long bandwidth, List<String> guest, Mode mode)
            throws Exception {
        Path dir = Files.createTempDirectory("migscope-attach-bench");
        Path mig = dir.resolve("mig.sock");
        List<AutoCloseable> followers = new ArrayList<>();
        try (QemuProcess src = QemuProcess.start(dir, "src", vm(guest, "-m", memory));
                QemuProcess dst = QemuProcess.start(dir, "dst", vm(guest, "-m", memory, "-incoming", "unix:" + mig))) {
            long started = System.nanoTime();
            src.enableCapabilities("events");
            if (bandwidth > 0) {
                src.control().call("migrate-set-parameters", Json.object().put("max-bandwidth", bandwidth));
            }
            for (QemuProcess q : List.of(src, dst)) {
                switch (mode) {
                    case BASELINE -> { }
                    case ATTACHED -> followers.add(AttachedQemu.attach(q.qmp(), QemuProcess.WAIT,
                            QemuProcess.NO_HOST_DEVICES, o -> { }));
                    case CONNECTED, POLLED -> {
                        QmpClient c = QmpClient.connect(q.qmp(), QemuProcess.WAIT, e -> { });
                        followers.add(c);
                        if (mode == Mode.POLLED) {
                            ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
                            poller.scheduleWithFixedDelay(() -> c.execute("query-migrate", null), 0, 50,
                                    TimeUnit.MILLISECONDS);
                            followers.add(0, poller::shutdownNow);
                        }
                    }
                }
            }
            // Every way migrates a guest of the same age: an idle SeaBIOS guest dirties memory
            // differently in its first second, and attaching takes part of it (measured: migrating
            // 500 ms later made slow rounds, 100-400 ms, three times as frequent, attached or not).
            Duration age = guest.isEmpty() ? GUEST_AGE : BOOTED_GUEST_AGE;
            long wait = age.toNanos() - (System.nanoTime() - started);
            if (wait < 0) {
                throw new IllegalStateException("attaching took longer than the guest's age at migration, " + age);
            }
            TimeUnit.NANOSECONDS.sleep(wait);
            src.migrate(mig);
            while (true) {
                String status = src.awaitEvent("MIGRATION").data().path("status").asText();
                if (status.equals("completed")) {
                    break;
                }
                if (status.equals("failed") || status.equals("cancelled")) {
                    throw new IllegalStateException("the migration " + status);
                }
            }
            return MigrationInfo.of(src.control().query("query-migrate", null));
        } finally {
            for (AutoCloseable f : followers) {
                f.close();
            }
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}

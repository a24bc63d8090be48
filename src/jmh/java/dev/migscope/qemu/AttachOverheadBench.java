package dev.migscope.qemu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.json.Json;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What following a migration costs it: the same RAM-only migration between two QEMU processes on
 * this host (TCG, tiny VMs, over a UNIX socket), without migscope and with migscope attached to
 * both sides (query-migrate at 20 Hz while it runs), interleaved. QEMU's own total-time is the
 * figure. An idle guest migrates in about 50 ms, too short to tell a poll from noise: a
 * max-bandwidth (migrate-set-parameters, bytes/s; 0 leaves QEMU's default) stretches the same
 * migration over seconds. Prints one line per round:
 * {@code round=N baseline_ms=X attached_ms=Y baseline_ram_bytes=A attached_ram_bytes=B}.
 * Usage: AttachOverheadBench [ROUNDS] [MEMORY_MIB] [MAX_BANDWIDTH]
 */
public final class AttachOverheadBench {

    private AttachOverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String memory = args.length > 1 ? args[1] : "256";
        long bandwidth = args.length > 2 ? Long.parseLong(args[2]) : 0;
        for (int r = 1; r <= rounds; r++) {
            MigrationInfo baseline = migrate(memory, bandwidth, false);
            MigrationInfo attached = migrate(memory, bandwidth, true);
            System.out.println("round=" + r + " baseline_ms=" + baseline.totalTimeMs() + " attached_ms="
                    + attached.totalTimeMs() + " baseline_ram_bytes=" + baseline.ramTransferred()
                    + " attached_ram_bytes=" + attached.ramTransferred());
        }
        System.exit(0);
    }

    /** One migration from a fresh source to a fresh destination; QEMU's figures at its end. */
    private static MigrationInfo migrate(String memory, long bandwidth, boolean attach) throws Exception {
        Path dir = Files.createTempDirectory("migscope-attach-bench");
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src", "-m", memory);
                QemuProcess dst = QemuProcess.start(dir, "dst", "-m", memory, "-incoming", "unix:" + mig)) {
            ObjectNode events = Json.object();
            events.putArray("capabilities").addObject().put("capability", "events").put("state", true);
            src.control().call("migrate-set-capabilities", events);
            if (bandwidth > 0) {
                src.control().call("migrate-set-parameters", Json.object().put("max-bandwidth", bandwidth));
            }
            AttachedQemu s = attach ? AttachedQemu.attach(src.qmp(), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, o -> { })
                    : null;
            AttachedQemu d = attach ? AttachedQemu.attach(dst.qmp(), QemuProcess.WAIT, QemuProcess.NO_HOST_DEVICES, o -> { })
                    : null;
            try {
                src.control().call("migrate", Json.object().put("uri", "unix:" + mig));
                while (true) {
                    String status = src.awaitEvent("MIGRATION").data().path("status").asText();
                    if (status.equals("completed")) {
                        break;
                    }
                    if (status.equals("failed") || status.equals("cancelled")) {
                        throw new IllegalStateException("the migration " + status);
                    }
                }
                return MigrationInfo.of(src.control().call("query-migrate", null));
            } finally {
                if (s != null) {
                    s.close();
                    d.close();
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}

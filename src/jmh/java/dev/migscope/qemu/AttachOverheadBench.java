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
 * figure. Prints one line per round: {@code round=N baseline_ms=X attached_ms=Y}.
 * Usage: AttachOverheadBench [ROUNDS] [MEMORY_MIB]
 */
public final class AttachOverheadBench {

    private AttachOverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String memory = args.length > 1 ? args[1] : "256";
        for (int r = 1; r <= rounds; r++) {
            long baseline = migrate(memory, false);
            long attached = migrate(memory, true);
            System.out.println("round=" + r + " baseline_ms=" + baseline + " attached_ms=" + attached);
        }
        System.exit(0);
    }

    /** One migration from a fresh source to a fresh destination; QEMU's total-time in ms. */
    private static long migrate(String memory, boolean attach) throws Exception {
        Path dir = Files.createTempDirectory("migscope-attach-bench");
        Path mig = dir.resolve("mig.sock");
        try (QemuProcess src = QemuProcess.start(dir, "src", "-m", memory);
                QemuProcess dst = QemuProcess.start(dir, "dst", "-m", memory, "-incoming", "unix:" + mig)) {
            ObjectNode events = Json.object();
            events.putArray("capabilities").addObject().put("capability", "events").put("state", true);
            src.control().call("migrate-set-capabilities", events);
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
                return src.control().call("query-migrate", null).path("total-time").asLong();
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

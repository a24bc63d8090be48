package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.migscope.testsupport.Libvirtd;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code migscope attach --libvirt} against a real libvirtd running a real TCG domain. */
class LibvirtAttachTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private static LiveCli live(String... args) {
        return new LiveCli(MigscopeCli.commandLine(sim -> QemuProcess.NO_HOST_DEVICES, false), Duration.ofSeconds(120),
                args);
    }

    @Test
    void followsVirshSaveAndTheReportMatchesLibvirtsJobStatistics() throws Exception {
        Path report = dir.resolve("report.json");
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            // Persistent, so that after the save libvirt still has the domain and its completed job.
            libvirtd.defineAndStart("lvsave", Libvirtd.domainXml("lvsave", 64, "", ""));
            LiveCli run = live("attach", "--libvirt", "--connect", libvirtd.uri(), "lvsave", "--until-done",
                    "--timeout", "2m", "--report", report.toString());
            run.awaitOut("attached: QEMU", 1);
            libvirtd.save("lvsave", dir.resolve("lvsave.img"));

            assertThat(run.exit()).as(run.err.toString() + run.out).isEqualTo(ExitCode.OK);
            assertThat(run.err.toString()).isEmpty();
            assertThat(run.out.toString()).contains("lvsave  attached: QEMU 10.", "lvsave  STOP",
                    "lvsave  migration  none -> setup  (MIGRATION event)",
                    "lvsave  migration  setup -> active  (MIGRATION event)",
                    "lvsave  MIGRATION_PASS {\"pass\":1}", "lvsave  MIGRATION_PASS {\"pass\":2}",
                    "-> completed  (MIGRATION event)", "lvsave  migration completed, total ");
            JsonNode q = MAPPER.readTree(report.toFile()).path("qemus").get(0);
            assertThat(q.path("source").asText()).isEqualTo("libvirt");
            assertThat(q.path("outcome").asText()).isEqualTo("completed");
            assertThat(q.path("partial").asBoolean()).isFalse();
            assertThat(q.path("pid").asLong()).isPositive();
            JsonNode m = q.path("migrations").get(0);
            assertThat(m.path("status").asText()).isEqualTo("completed");

            // libvirt's own view of the job just done, as virsh prints it.
            Map<String, String> job = rawstats(libvirtd.virsh("domjobinfo", "lvsave", "--completed", "--rawstats"));
            assertThat(m.path("total_time_ms").asText()).isEqualTo(job.get("time_elapsed"));
            assertThat(m.path("downtime_ms").asText()).isEqualTo(job.get("downtime"));
            assertThat(m.path("setup_time_ms").asText()).isEqualTo(job.get("setup_time"));
            assertThat(m.path("ram_bytes").asText()).isEqualTo(job.get("memory_processed"));
            assertThat(m.path("ram_total_bytes").asText()).isEqualTo(job.get("memory_total"));
        }
    }

    /** {@code virsh domjobinfo --rawstats}: libvirt's typed parameters as {@code name: value} lines. */
    private static Map<String, String> rawstats(String out) {
        Map<String, String> m = new HashMap<>();
        out.lines().map(String::strip).filter(l -> l.matches("[a-z_]+: .*")).forEach(l -> {
            int colon = l.indexOf(": ");
            m.put(l.substring(0, colon), l.substring(colon + 2));
        });
        return m;
    }

    @Test
    void aDomainDestroyedMidAttachIsDomainGoneExitOneWithTheReportSoFar() throws Exception {
        Path report = dir.resolve("report.json");
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.createTcg("lvgone");
            LiveCli run = live("attach", "--libvirt", "--connect", libvirtd.uri(), "lvgone", "--until-done",
                    "--report", report.toString());
            run.awaitOut("attached: QEMU", 1);
            libvirtd.destroy("lvgone");

            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(run.err.toString().lines()).singleElement().asString()
                    .startsWith("migscope attach: lvgone: domain gone: destroyed");
            assertThat(run.out.toString()).contains("lvgone  domain gone: destroyed").contains("QEMU lvgone (");
            JsonNode q = MAPPER.readTree(report.toFile()).path("qemus").get(0);
            assertThat(q.path("outcome").asText()).isEqualTo("gone");
            assertThat(q.path("partial").asBoolean()).isTrue();
            assertThat(q.path("ended").asText()).startsWith("domain gone: destroyed");
        }
    }

    @Test
    void libvirtdKilledMidAttachIsGoneNamingLibvirtd() throws Exception {
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.createTcg("lvdaemon");
            LiveCli run = live("attach", "--libvirt", "--connect", libvirtd.uri(), "lvdaemon", "--until-done");
            run.awaitOut("attached: QEMU", 1);
            libvirtd.killDaemon();

            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
            assertThat(run.err.toString().lines()).singleElement().asString()
                    .startsWith("migscope attach: lvdaemon: libvirtd gone: libvirtd closed the connection");
            assertThat(run.out.toString()).contains("QEMU lvdaemon (");
        }
    }

    @Test
    void aMissingDomainIsOneLineAndNoDevice() throws Exception {
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            LiveCli run = live("attach", "--libvirt", "--connect", libvirtd.uri(), "nosuch");

            assertThat(run.exit()).isEqualTo(ExitCode.NO_DEVICE);
            assertThat(run.err.toString().lines()).singleElement().asString()
                    .startsWith("migscope attach: domain nosuch (" + libvirtd.uri() + "): no domain nosuch on ");
        }
    }

    /** --downtime-limit goes through virDomainMigrateSetMaxDowntime: libvirt's own view says the new limit. */
    @Test
    void downtimeLimitIsSetThroughLibvirt() throws Exception {
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.createTcg("lvdt");
            LiveCli run = live("attach", "--libvirt", "--connect", libvirtd.uri(), "lvdt", "--downtime-limit", "123");
            run.awaitOut("virDomainMigrateSetMaxDowntime downtime-limit=123 (QEMU now holds 123 ms)", 1);
            assertThat(libvirtd.virsh("migrate-getmaxdowntime", "lvdt")).isEqualTo("123");
            libvirtd.destroy("lvdt");
            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
        }
    }

    /**
     * --migrate to the daemon itself: libvirt refuses a destination with its own host UUID, and the
     * refusal, libvirt's sentence, is a warning with its cause and fix from qemu.Blockers.
     */
    @Test
    void aMigrationLibvirtRefusesIsAWarningWithItsCauseAndFix() throws Exception {
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.createTcg("lvmig");
            LiveCli run = live("attach", "--libvirt", "--connect", libvirtd.uri(), "lvmig", "--migrate",
                    libvirtd.uri());
            run.awaitOut("virDomainMigrateToURI3 uri=" + libvirtd.uri(), 1);
            run.awaitOut("Attempt to migrate guest to the same host", 1);
            assertThat(run.out.toString().lines().filter(l -> l.contains("Attempt to migrate guest")))
                    .singleElement().asString()
                    .contains("lvmig  virDomainMigrateToURI3: Attempt to migrate guest to the same host")
                    .contains("; cause: libvirt refuses a destination with its own host UUID; fix: migrate to "
                            + "another host");
            // Refused before anything started: the domain runs on, followed.
            assertThat(libvirtd.virsh("domstate", "lvmig")).isEqualTo("running");
            libvirtd.destroy("lvmig");
            assertThat(run.exit()).isEqualTo(ExitCode.FAILED);
        }
    }

    /** --cancel with no job: migscope refuses from the status libvirt forwarded, before calling virDomainAbortJob. */
    @Test
    void cancelWithNoMigrationRunningIsRefusedInOneLine() throws Exception {
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.createTcg("lvcancel");
            LiveCli run = live("attach", "--libvirt", "--connect", libvirtd.uri(), "lvcancel", "--cancel");

            assertThat(run.exit()).isNotEqualTo(ExitCode.OK);
            assertThat(run.err.toString().lines()).singleElement().asString()
                    .contains("lvcancel: no migration is running (status none): nothing to cancel");
            assertThat(libvirtd.virsh("domstate", "lvcancel")).isEqualTo("running");
        }
    }
}

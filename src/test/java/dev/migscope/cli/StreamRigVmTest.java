package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.RigDevices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In the rig's guest: QEMU 10 migrates a VM holding an mtty to a file, `migscope stream` reads that
 * file, its mtty section's data bytes equal QEMU's own vfio.transferred, and `stream extract` then
 * `resume` puts that data into the second mtty, which then runs.
 */
@Tag("vm")
class StreamRigVmTest {

    private final DeviceRegistry registry = DeviceRegistry.load(false);
    private String source;
    private String target;

    @TempDir
    Path dir;

    @BeforeEach
    @AfterEach
    void freshDevices() throws Exception {
        List<String> ids = RigDevices.mtty();
        source = ids.get(0);
        target = ids.get(1);
        for (String id : ids) {
            try (DeviceSession s = registry.open(id)) {
                s.reset();
                assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            }
        }
    }

    private static CliHarness.Run local(String... args) {
        return CliHarness.run(DeviceRegistry::load, args);
    }

    @Test
    void anMttyMigratedToAFileIsReadExtractedAndResumedIntoTheOtherMtty() throws Exception {
        Path file = dir.resolve("mtty.mig");
        long transferred;
        try (QemuProcess q = QemuProcess.start(dir, "src", "-device", "vfio-pci,sysfsdev=/sys/bus/mdev/devices/"
                + source + ",id=mtty0,enable-migration=on")) {
            q.migrateAndWait("file:" + file);
            transferred = q.control().call("query-migrate", Json.object()).path("vfio").path("transferred").asLong();
        }
        assertThat(transferred).as("QEMU's vfio.transferred").isPositive();

        CliHarness.Run text = local("stream", file.toString());
        System.out.println(text.out());
        assertThat(text.code()).as(text.err()).isEqualTo(ExitCode.OK);
        assertThat(text.out()).containsPattern("vfio 0000:00:0[0-9a-f]\\.0/vfio \\(section [0-9]+, guest PCI")
                .contains("setup: SETUP_STATE END_OF_STATE", "stop-copy: ", "config: CONFIG_STATE, ",
                        "complete: QEMU_VM_EOF");
        JsonNode json = Json.read(local("stream", file.toString(), "--json").out());
        JsonNode mtty = json.path("vfio").get(0);
        assertThat(json.path("vfio").size()).isEqualTo(1);
        assertThat(mtty.path("data_bytes").asLong()).as("the mtty section's DATA_STATE bytes").isEqualTo(transferred);
        assertThat(mtty.path("config_bytes").asLong()).isPositive();

        Path out = dir.resolve("mtty0.data");
        CliHarness.Run x = local("stream", "extract", file.toString(), "--device", mtty.path("pci_path").asText(),
                out.toString());
        assertThat(x.code()).as(x.err()).isEqualTo(ExitCode.OK);
        assertThat(Files.size(out)).isGreaterThan(transferred);

        CliHarness.Run r = local("resume", target, out.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("RESUMING -> STOP").endsWith("device is RUNNING\n");
        try (DeviceSession s = registry.open(target)) {
            assertThat(s.getState()).isEqualTo(MigState.RUNNING);
        }
    }
}

package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.MigrationFile;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.sim.ManualClock;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.QemuStreamBuilder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code migscope stream} and {@code stream extract} as a user runs them, on a real QEMU 10 stream and a device's. */
class QemuStreamCommandTest {

    private static Path real;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private final CliHarness cli = CliHarness.simulated();

    @BeforeAll
    static void aRealStream() throws Exception {
        real = shared.resolve("vm.mig");
        try (QemuProcess q = QemuProcess.start(shared, "vm")) {
            q.migrateAndWait("file:" + real);
        }
    }

    @Test
    void streamPrintsTheHeaderEverySectionAndRam() {
        CliHarness.Run r = cli.run("stream", real.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("QEMU migration stream " + real)
                .contains("QEVM version 3, machine pc-q35-", "START       1  ram", "FULL", "globalstate",
                        "SWITCHOVER_START", "ram: 64.5 MiB in 6 blocks (pc.ram 64.0 MiB", "stop-copy:",
                        "complete: QEMU_VM_EOF at 0x", "with QEMU's vmdesc");
    }

    @Test
    void streamJsonIsOneDocumentWithEverySection() throws Exception {
        CliHarness.Run text = cli.run("stream", real.toString());
        CliHarness.Run r = cli.run("stream", real.toString(), "--json");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        JsonNode j = Json.read(r.out());
        assertThat(j.path("complete").asBoolean()).isTrue();
        assertThat(j.path("configuration").path("machine").asText()).startsWith("pc-q35-");
        long listed = text.out().lines().filter(l -> l.matches("  0x[0-9a-f]+ +(START|PART|END|FULL|COMMAND) .*"))
                .count();
        assertThat(j.path("sections").size()).isEqualTo((int) listed);
        assertThat(j.path("fields").path("timer (0)").isObject()).isTrue();
        assertThat(j.path("ram").path("passes").size()).isPositive();
    }

    @Test
    void aDamagedStreamPrintsWhatWasReadThenOneLineAndExitsFour() throws Exception {
        byte[] b = Files.readAllBytes(real);
        Path cut = Files.write(dir.resolve("cut.mig"), Arrays.copyOf(b, b.length / 2));
        CliHarness.Run r = cli.run("stream", cut.toString());
        assertThat(r.code()).isEqualTo(ExitCode.FILE);
        assertThat(r.err().lines()).singleElement().asString().startsWith("migscope stream: " + cut + ": offset 0x")
                .contains("the stream ends in");
        assertThat(r.err()).doesNotContain("Exception", "\tat ");
        assertThat(r.out()).contains("START       1  ram", "stopped at offset 0x");
    }

    @Test
    void aMissingFileIsExitFourNamingIt() {
        CliHarness.Run r = cli.run("stream", dir.resolve("nope.mig").toString());
        assertThat(r.code()).isEqualTo(ExitCode.FILE);
        assertThat(r.err()).isEqualTo("migscope stream: cannot read " + dir.resolve("nope.mig") + ": no such file\n");
    }

    /**
     * What QEMU does with a device's data, reproduced with a simulated one: its saved data_fd bytes
     * put into a QEMU stream the way hw/vfio/migration.c writes them (DATA_STATE blocks of at most
     * 1 MiB, precopy in PARTs, the rest in the END), extracted, and resumed into a second device,
     * which then holds the first one's state.
     */
    @Test
    void extractThenResumeCarriesTheDevicesStateOutOfAQemuStream() throws Exception {
        ManualClock clock = new ManualClock();
        CliHarness sim = CliHarness.simulatedOn(clock);
        sim.simulate("sim:mlx5-0", c -> c.setDirtyRate(400L << 20));
        clock.advance(Duration.ofMillis(100));
        sim.simulate("sim:mlx5-0", c -> c.setDirtyRate(0));
        sim.simulate("sim:mlx5-1", c -> c.setDirtyRate(0));
        long digest = sim.digest("sim:mlx5-0");
        Path saved = dir.resolve("saved.mig");
        assertThat(sim.run("save", "sim:mlx5-0", saved.toString(), "--precopy-max", "200ms").code()).isZero();

        MigrationFile.Verified v = MigrationFile.verify(saved);
        List<byte[]> phases = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(saved)) {
            long pos = v.dataOffset();
            for (MigrationFile.Phase p : v.phases()) {
                ByteBuffer buf = ByteBuffer.allocate((int) p.length());
                ch.read(buf, pos);
                pos += p.length();
                phases.add(buf.array());
            }
        }
        assertThat(v.phases()).extracting(MigrationFile.Phase::state).containsExactly(MigState.PRE_COPY,
                MigState.STOP_COPY);
        QemuStreamBuilder q = new QemuStreamBuilder().configuration("pc-q35-10.0")
                .vfioSetup(37, "0000:00:01.0/vfio");
        for (byte[] block : blocks(phases.get(0))) {
            q.vfioData(0x02, 37, block);
        }
        q.vfioData(0x03, 37, blocks(phases.get(1)).toArray(new byte[0][])).eof();
        Path stream = Files.write(dir.resolve("qemu.mig"), q.build());
        Path out = dir.resolve("extracted.mig");

        CliHarness.Run x = sim.run("stream", "extract", stream.toString(), "--device", "0000:00:01.0", out.toString(),
                "--driver", "sim_mlx5");
        assertThat(x.code()).as(x.err()).isEqualTo(ExitCode.OK);
        assertThat(x.out()).startsWith("extracted 0000:00:01.0/vfio to " + out + ": ")
                .contains("stop-copy " + String.format("%,d", phases.get(1).length))
                .contains("from QEMU migration stream qemu.mig (machine pc-q35-10.0), section 37");

        CliHarness.Run r = sim.run("resume", "sim:mlx5-1", out.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).endsWith("device is RUNNING\n");
        assertThat(sim.digest("sim:mlx5-1")).isEqualTo(digest);

        // Recorded as mtty's, it is refused by an mlx5 device before the device is touched.
        Path mtty = dir.resolve("mtty.mig");
        assertThat(sim.run("stream", "extract", stream.toString(), "--device", "0000:00:01.0/vfio", mtty.toString(),
                "--driver", "mtty").code()).isZero();
        CliHarness.Run refused = sim.run("resume", "sim:mlx5-1", mtty.toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("saved from driver mtty", "the device was not touched");
    }

    @Test
    void extractOfADeviceTheStreamDoesNotHoldNamesThoseItHolds() throws Exception {
        Path stream = Files.write(dir.resolve("one.mig"),
                QemuStreamBuilder.withDevice(new byte[24], new byte[72], new byte[100]).build());
        CliHarness.Run r = cli.run("stream", "extract", stream.toString(), "--device", "0000:00:02.0",
                dir.resolve("x").toString());
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).as(r.err()).contains("no VFIO device 0000:00:02.0 in " + stream + "; it has 0000:00:01.0/vfio");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    /** The data cut into QEMU's DATA_STATE blocks: VFIO_MIG_DEFAULT_DATA_BUFFER_SIZE, 1 MiB. */
    private static List<byte[]> blocks(byte[] data) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < data.length; i += 1 << 20) {
            out.add(Arrays.copyOfRange(data, i, Math.min(data.length, i + (1 << 20))));
        }
        return out;
    }
}

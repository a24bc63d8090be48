package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.device.MigrationFile;
import dev.migscope.sim.ManualClock;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** save and resume through the CLI: the round trip, and every way a file or a path can be bad. */
class StreamCommandsTest {

    /** A good file saved from sim:hisi-0, made once; tests copy it before spoiling it. */
    private static Path hisiFile;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private final CliHarness cli = CliHarness.simulated();

    @BeforeAll
    static void saveOneFileFromHisi() throws Exception {
        CliHarness source = CliHarness.simulated();
        source.fastLink("sim:hisi-0");
        hisiFile = shared.resolve("hisi.mig");
        CliHarness.Run r = source.run("save", "sim:hisi-0", hisiFile.toString(), "--precopy-max", "100ms");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(MigrationFile.verify(hisiFile).source().driver()).isEqualTo("sim_hisi_acc");
    }

    // ------------------------------------------------------------------ the round trip

    @Test
    void saveOnOneDeviceAndResumeIntoAnotherCarriesTheStateByteForByte() throws Exception {
        ManualClock clock = new ManualClock();
        CliHarness sim = CliHarness.simulatedOn(clock);
        // Let the source run dirty for a while, then freeze both: closing a device returns it to
        // RUNNING, and a device that keeps dirtying after the CLI exits could not be compared.
        sim.simulate("sim:mlx5-0", c -> c.setDirtyRate(400L << 20));
        clock.advance(Duration.ofMillis(100));
        sim.simulate("sim:mlx5-0", c -> c.setDirtyRate(0));
        sim.simulate("sim:mlx5-1", c -> c.setDirtyRate(0));
        long source = sim.digest("sim:mlx5-0");
        assertThat(sim.digest("sim:mlx5-1")).isNotEqualTo(source);
        Path file = dir.resolve("mlx5.mig");

        CliHarness.Run save = sim.run("save", "sim:mlx5-0", file.toString(), "--precopy-max", "200ms");

        assertThat(save.code()).as(save.err()).isEqualTo(ExitCode.OK);
        assertThat(save.err()).isEmpty();
        assertThat(save.out()).startsWith("saved sim:mlx5-0 to " + file + ": PRE_COPY ")
                .contains("STOP_COPY", "RUNNING -> PRE_COPY", "PRE_COPY -> STOP_COPY", "STOP_COPY -> STOP")
                .endsWith("device is STOP\n");
        assertThat(file).isRegularFile();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // no temporary file left beside it
        }

        CliHarness.Run resume = sim.run("resume", "sim:mlx5-1", file.toString());

        assertThat(resume.code()).as(resume.err()).isEqualTo(ExitCode.OK);
        assertThat(resume.err()).isEmpty();
        assertThat(resume.out()).startsWith("resumed " + file + " into sim:mlx5-1: RESUMING ")
                .contains("-> RESUMING", "RESUMING -> STOP", "STOP -> RUNNING").endsWith("device is RUNNING\n");
        assertThat(sim.digest("sim:mlx5-1")).isEqualTo(source);
        assertThat(sim.digest("sim:mlx5-0")).isEqualTo(source);
    }

    @Test
    void saveWithThenEndsInThatStateAndAStopCopyOnlyDeviceSkipsPreCopy() {
        Path file = dir.resolve("sc.mig");

        CliHarness.Run r = cli.run("save", "sim:stopcopy-0", file.toString(), "--then", "RUNNING");

        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains(": STOP_COPY ").doesNotContain("PRE_COPY").endsWith("device is RUNNING\n");
        assertThat(file).isRegularFile();
    }

    @Test
    void resumeWithThenStopStaysInStop() throws Exception {
        Path copy = Files.copy(hisiFile, dir.resolve("copy.mig"));

        CliHarness.Run r = cli.run("resume", "sim:hisi-0", copy.toString(), "--then", "STOP");

        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).endsWith("device is STOP\n");
    }

    // ------------------------------------------------------------------ refused files leave the device untouched

    @Test
    void aCorruptedFileIsRefusedBeforeTheDeviceIsTouched() throws Exception {
        Path bad = Files.copy(hisiFile, dir.resolve("corrupt.mig"));
        try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
            long at = f.length() - 1000;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }

        assertRefusedUntouched(cli.run("resume", "sim:hisi-0", bad.toString()), "CRC32C");
    }

    @Test
    void aTruncatedFileIsRefusedBeforeTheDeviceIsTouched() throws Exception {
        Path bad = Files.copy(hisiFile, dir.resolve("short.mig"));
        try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }

        assertRefusedUntouched(cli.run("resume", "sim:hisi-0", bad.toString()), "truncated");
    }

    @Test
    void aFileFromAnotherDriverIsRefusedBeforeTheDeviceIsTouched() {
        assertRefusedUntouched(cli.run("resume", "sim:mlx5-0", hisiFile.toString()),
                "saved from driver sim_hisi_acc");
    }

    @Test
    void aFileThatIsNotAStreamFileIsRefused() throws Exception {
        Path bad = Files.writeString(dir.resolve("notes.txt"), "these are not the bytes you are looking for\n");

        assertRefusedUntouched(cli.run("resume", "sim:hisi-0", bad.toString()), "not a migscope stream file");
    }

    @Test
    void aMissingFileIsRefused() {
        CliHarness.Run r = cli.run("resume", "sim:hisi-0", dir.resolve("absent.mig").toString());

        assertThat(r.code()).isEqualTo(ExitCode.FILE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("absent.mig", "ENOENT", "device is RUNNING");
    }

    private void assertRefusedUntouched(CliHarness.Run r, String why) {
        assertThat(r.code()).isEqualTo(ExitCode.FILE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains(why, "the device was not touched", "device is RUNNING");
    }

    /** A well-formed file whose payload the device rejects: the driver fails RESUMING -> STOP, as mtty does. */
    @Test
    void aWellFormedFileWithGarbageStreamLeavesTheDeviceInResuming() throws Exception {
        Path garbage = dir.resolve("garbage.mig");
        MigrationFile.Source src = new MigrationFile.Source("sim_hisi_acc", "sim:hisi-0", "", "",
                MigFeatures.parse("stop-copy,pre-copy"));
        try (MigrationFile.Writer w = new MigrationFile.Writer(garbage, src,
                List.of(MigState.PRE_COPY, MigState.STOP_COPY), MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(MigState.PRE_COPY);
            w.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
            w.beginPhase(MigState.STOP_COPY);
            w.write(ByteBuffer.wrap("garbage, not a device image".getBytes(StandardCharsets.US_ASCII)));
            w.commit();
        }

        CliHarness.Run r = cli.run("resume", "sim:hisi-0", garbage.toString());

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("sim:hisi-0", "EINVAL", "device is RESUMING");
    }

    // ------------------------------------------------------------------ output paths that cannot be written

    @Test
    void saveUnderARegularFileFailsAndLeavesTheDeviceWhereItWas() throws Exception {
        Path regular = Files.writeString(dir.resolve("plain"), "x");
        Path target = regular.resolve("out.mig");

        CliHarness.Run r = cli.run("save", "sim:pds-0", target.toString());

        assertThat(r.code()).isEqualTo(ExitCode.FILE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains(target.toString(), "device is RUNNING");
        assertThat(Files.readString(regular)).isEqualTo("x");
    }

    @Test
    void saveIntoAMissingDirectoryFails() {
        Path target = dir.resolve("no/such/dir/out.mig");

        CliHarness.Run r = cli.run("save", "sim:pds-0", target.toString());

        assertThat(r.code()).isEqualTo(ExitCode.FILE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("ENOENT", target.toString(), "device is RUNNING");
        assertThat(dir.resolve("no")).doesNotExist();
    }

    /**
     * A disk that fills up mid-save: a 1 MiB tmpfs. Mounting needs root, which CI has; anywhere else
     * this test fails with the reason rather than skip.
     */
    @Test
    void saveOntoAFullDiskFailsWithEnospcAndKeepsNothing() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("small"));
        mount(mnt);
        try {
            cli.fastLink("sim:stopcopy-0");
            Path target = mnt.resolve("out.mig");

            CliHarness.Run r = cli.run("save", "sim:stopcopy-0", target.toString());

            assertThat(r.code()).isEqualTo(ExitCode.FILE);
            assertThat(r.out()).isEmpty();
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err()).contains("ENOSPC", target.toString(), "device is RUNNING");
            try (Stream<Path> left = Files.list(mnt)) {
                assertThat(left).as("nothing may be left on the full disk").isEmpty();
            }
            assertThat(cli.run("state", "sim:stopcopy-0").out()).isEqualTo("RUNNING\n");
        } finally {
            umount(mnt);
        }
    }

    private static void mount(Path at) throws Exception {
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "migscope-full-disk", at.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            fail("this test mounts a 1 MiB tmpfs to fill a disk, which needs root (CI runs as root); "
                    + "mount said: " + output.strip());
        }
    }

    private static void umount(Path at) throws IOException, InterruptedException {
        new ProcessBuilder("umount", at.toString()).inheritIO().start().waitFor();
    }

    // ------------------------------------------------------------------ bad command lines

    @Test
    void saveAndResumeOfAnUnknownDeviceFail() {
        CliHarness.Run save = cli.run("save", "sim:nope", dir.resolve("x.mig").toString());
        CliHarness.Run resume = cli.run("resume", "sim:nope", hisiFile.toString());

        assertThat(save.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(resume.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(save.errLines()).hasSize(1);
        assertThat(resume.errLines()).hasSize(1);
        assertThat(save.err()).contains("ENODEV");
        assertThat(dir.resolve("x.mig")).doesNotExist();
    }

    @Test
    void aBadThenStateOrDurationIsAUsageError() {
        CliHarness.Run then = cli.run("save", "sim:pds-0", dir.resolve("x.mig").toString(), "--then", "PARKED");
        CliHarness.Run max = cli.run("save", "sim:pds-0", dir.resolve("x.mig").toString(), "--precopy-max", "soon");

        assertThat(then.code()).isEqualTo(ExitCode.USAGE);
        assertThat(then.err()).contains("unknown state 'PARKED'");
        assertThat(max.code()).isEqualTo(ExitCode.USAGE);
        assertThat(max.err()).contains("'soon' is not a duration");
        assertThat(dir.resolve("x.mig")).doesNotExist();
    }

    @Test
    void aThenStateTheDeviceLacksFailsAfterTheFileIsComplete() throws Exception {
        cli.fastLink("sim:pds-0");
        Path file = dir.resolve("pds.mig");

        CliHarness.Run r = cli.run("save", "sim:pds-0", file.toString(), "--then", "PRE_COPY");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("EINVAL", "device is STOP");
        assertThat(MigrationFile.verify(file).source().driver()).isEqualTo("sim_pds");
    }
}

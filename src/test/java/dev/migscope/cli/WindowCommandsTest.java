package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.remote.SshTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code screenshot}, {@code window} and {@code demo}: their bad input, and a real render through the CLI. */
class WindowCommandsTest {

    private final CliHarness cli = CliHarness.simulated();

    @TempDir
    Path dir;

    @Test
    void screenshotRefusesAnUnknownTheme() {
        CliHarness.Run r = cli.run("screenshot", dir.resolve("x.png").toString(), "--theme", "solarized");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("unknown theme 'solarized'").contains("light or dark");
        assertThat(dir.resolve("x.png")).doesNotExist();
    }

    @Test
    void screenshotRefusesAnUnknownDevice() {
        CliHarness.Run r = cli.run("screenshot", dir.resolve("x.png").toString(), "--device", "sim:nope");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.err()).contains("sim:nope").contains("no such device");
    }

    @Test
    void screenshotWritesAPngOfTheWindow() throws Exception {
        Path png = dir.resolve("window.png");
        CliHarness.Run r = cli.run("screenshot", png.toString(), "--device", "sim:pds-0", "--theme", "dark");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("wrote");
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
        javax.imageio.stream.ImageInputStream in = javax.imageio.ImageIO.createImageInputStream(png.toFile());
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(in);
        assertThat(img.getWidth()).isEqualTo(1280);
        assertThat(img.getHeight()).isEqualTo(800);
    }

    @Test
    void screenshotShowsAStreamsTimeline() throws Exception {
        Path stream = dir.resolve("mtty.mig");
        Files.write(stream, dev.migscope.testsupport.QemuStreamBuilder.mttyMigration(6).build());
        Path png = dir.resolve("stream.png");
        CliHarness.Run r = cli.run("screenshot", png.toString(), "--stream", stream.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1280);
        assertThat(img.getHeight()).isEqualTo(800);
    }

    @Test
    void windowAndScreenshotRefuseAStreamFileThatCannotBeRead() {
        Path missing = dir.resolve("missing.mig");
        for (String[] args : List.of(new String[] {"window", "--stream", missing.toString()},
                new String[] {"screenshot", dir.resolve("x.png").toString(), "--stream", missing.toString()})) {
            CliHarness.Run r = cli.run(args);
            assertThat(r.code()).isEqualTo(ExitCode.FILE);
            assertThat(r.errLines()).singleElement().asString().endsWith("cannot read " + missing + ": no such file");
        }
        assertThat(dir.resolve("x.png")).doesNotExist();
    }

    @Test
    void windowTakesStreamMoreThanOnce() {
        picocli.CommandLine cl = MigscopeCli.commandLine(DeviceRegistry::load, false);
        cl.parseArgs("window", "--stream", "a.mig", "--stream", "b.mig");
        WindowCommand w = cl.getSubcommands().get("window").getCommand();
        assertThat(w.streams).containsExactly(Path.of("a.mig"), Path.of("b.mig"));
    }

    @Test
    void windowRefusesAnUnknownDeviceNamingItAndTheListing() {
        CliHarness.Run r = cli.run("window", "--device", "sim:nope", "--theme", "dark");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).singleElement().asString()
                .startsWith("migscope window: sim:nope: no such device").contains("`migscope list --sim`");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void windowRefusesAnUnknownTheme() {
        CliHarness.Run r = cli.run("window", "--device", "sim:pds-0", "--theme", "solarized");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("unknown theme 'solarized'").contains("light or dark");
    }

    @Test
    void windowWithoutADisplaySaysSoAndNamesScreenshot() {
        assertThat(WindowCommand.noDisplay(Map.of(), null)).get().asString()
                .contains("no display", "DISPLAY", "migscope screenshot");
        assertThat(WindowCommand.noDisplay(Map.of("DISPLAY", " "), null)).isPresent();
        assertThat(WindowCommand.noDisplay(Map.of("DISPLAY", ":0"), null)).isEmpty();
        assertThat(WindowCommand.noDisplay(Map.of("WAYLAND_DISPLAY", "wayland-0"), null)).isEmpty();
        assertThat(WindowCommand.noDisplay(Map.of(), "Monocle")).isEmpty();
    }

    @Test
    void demoRefusesARealDevice() {
        CliHarness.Run r = cli.run("demo", "--device", "0000:3b:00.1");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("simulated device");
    }

    @Test
    void windowTakesHostMoreThanOnceAndADeviceCommandRefusesThat() {
        picocli.CommandLine cl = MigscopeCli.commandLine(DeviceRegistry::load, false);
        cl.parseArgs("window", "--host", "lab7", "--host", "root@lab8:2222", "--theme", "dark");
        assertThat(((MigscopeCli) cl.getCommand()).hosts).extracting(SshTarget::display)
                .containsExactly("lab7", "root@lab8:2222");

        CliHarness.Run r = cli.run("--host", "lab7", "--host", "lab8", "--sim", "show", "sim:pds-0");
        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("--host is given 2 times", "only `migscope window` connects to several");
    }
}

package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserFilesTest {

    @TempDir
    Path home;

    @Test
    void followsXdgAndIgnoresRelativeValues() {
        UserFiles defaults = UserFiles.fromEnvironment(Map.of("HOME", home.toString()));
        assertThat(defaults.settingsFile()).isEqualTo(home.resolve(".config/migscope/settings.properties"));
        assertThat(defaults.eventLog()).isEqualTo(home.resolve(".local/state/migscope/events.log"));

        UserFiles xdg = UserFiles.fromEnvironment(Map.of("HOME", home.toString(),
                "XDG_CONFIG_HOME", home.resolve("c").toString(), "XDG_STATE_HOME", "relative/ignored"));
        assertThat(xdg.configDir()).isEqualTo(home.resolve("c/migscope"));
        assertThat(xdg.stateDir()).isEqualTo(home.resolve(".local/state/migscope"));
    }

    @Test
    void settingsRoundTripAndLeaveNoTemporaryFile() throws Exception {
        UserFiles f = UserFiles.fromEnvironment(Map.of("HOME", home.toString()));
        assertThat(f.loadSettings()).isEmpty();
        Properties p = new Properties();
        p.setProperty("theme", "dark");
        f.saveSettings(p);
        assertThat(f.loadSettings().getProperty("theme")).isEqualTo("dark");
        try (var files = Files.list(f.configDir())) {
            assertThat(files.map(x -> x.getFileName().toString())).containsExactly("settings.properties");
        }
    }

    @Test
    void eventLogAppendsAndRotates() throws Exception {
        UserFiles f = UserFiles.fromEnvironment(Map.of("HOME", home.toString()));
        f.appendToLog("first");
        f.appendToLog("second");
        assertThat(Files.readAllLines(f.eventLog())).containsExactly("first", "second");
        String big = "x".repeat(64 * 1024);
        for (int i = 0; i < 17; i++) {
            f.appendToLog(big);
        }
        f.appendToLog("after rotation");
        assertThat(f.stateDir().resolve("events.log.1")).exists();
        assertThat(Files.size(f.eventLog())).isLessThan(UserFiles.LOG_ROTATE_BYTES);
        assertThat(Files.readAllLines(f.eventLog())).last().isEqualTo("after rotation");
    }

    @Test
    void rememberedHostsAreMostRecentFirstOnceEachAndWrittenByRename() throws Exception {
        UserFiles f = UserFiles.fromEnvironment(Map.of("HOME", home.toString(),
                "XDG_CONFIG_HOME", home.resolve("c").toString()));
        assertThat(f.hostsFile()).isEqualTo(home.resolve("c/migscope/hosts"));
        List<String> problems = new ArrayList<>();
        assertThat(f.loadHosts(problems::add)).isEmpty();

        f.rememberHost("lab7");
        f.rememberHost("root@10.0.0.2:2222");
        f.rememberHost("[::1]:22");
        f.rememberHost("lab7");
        assertThat(f.loadHosts(problems::add)).containsExactly("lab7", "[::1]:22", "root@10.0.0.2:2222");
        assertThat(Files.readAllLines(f.hostsFile())).containsExactly("lab7", "[::1]:22", "root@10.0.0.2:2222");

        // A new file is renamed over the old one: a reader holding the old one still reads it whole.
        Path old = home.resolve("old-hosts");
        Files.createLink(old, f.hostsFile());
        f.rememberHost("lab8");
        assertThat(Files.readAllLines(old)).containsExactly("lab7", "[::1]:22", "root@10.0.0.2:2222");
        assertThat(Files.readAllLines(f.hostsFile())).containsExactly("lab8", "lab7", "[::1]:22",
                "root@10.0.0.2:2222");
        try (var files = Files.list(f.configDir())) {
            assertThat(files.map(x -> x.getFileName().toString())).containsExactly("hosts");
        }
        for (int i = 0; i < UserFiles.MAX_HOSTS + 5; i++) {
            f.rememberHost("host" + i);
        }
        assertThat(f.loadHosts(problems::add)).hasSize(UserFiles.MAX_HOSTS).first().isEqualTo("host24");
        assertThat(problems).isEmpty();
    }

    @Test
    void rememberedLibvirtUrisAreMostRecentFirstAndWhatIsNoLibvirtUriIsLeftOut() throws Exception {
        UserFiles f = UserFiles.fromEnvironment(Map.of("HOME", home.toString()));
        assertThat(f.libvirtFile()).isEqualTo(home.resolve(".config/migscope/libvirt"));
        f.rememberLibvirtUri("qemu:///system");
        f.rememberLibvirtUri("qemu+ssh://root@lab7/system");
        f.rememberLibvirtUri("qemu:///system");
        List<String> problems = new ArrayList<>();
        assertThat(f.loadLibvirtUris(problems::add)).containsExactly("qemu:///system", "qemu+ssh://root@lab7/system");
        assertThat(problems).isEmpty();

        Files.writeString(f.libvirtFile(), "qemu:///session\nqemu+ext:///system?command=/bin/sh\nvirsh list\n");
        assertThat(f.loadLibvirtUris(problems::add)).containsExactly("qemu:///session");
        assertThat(problems).hasSize(2).allMatch(p -> p.startsWith(f.libvirtFile() + " line "))
                .anyMatch(p -> p.contains("is not a libvirt URI of QEMU's driver"))
                .anyMatch(p -> p.contains("holds blanks or control characters"));
        assertThatThrownBy(() -> f.rememberLibvirtUri("xen:///system")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDamagedHostsFileIsAProblemToTellNeverAThrow() throws Exception {
        UserFiles f = UserFiles.fromEnvironment(Map.of("HOME", home.toString()));
        Files.createDirectories(f.configDir());
        Files.writeString(f.hostsFile(), "lab7\n\n-oProxyCommand=sh\nlab7\nroot@lab8\n");
        List<String> problems = new ArrayList<>();
        assertThat(f.loadHosts(problems::add)).containsExactly("lab7", "root@lab8");
        assertThat(problems).singleElement().asString().contains(f.hostsFile() + " line 3 left out",
                "\"-oProxyCommand=sh\" is not a host name");

        // Not text at all (bytes that are no UTF-8): one sentence, no host; the next connect writes it anew.
        Files.write(f.hostsFile(), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 10, (byte) 0xc3});
        problems.clear();
        assertThat(f.loadHosts(problems::add)).isEmpty();
        assertThat(problems).singleElement().asString().startsWith("could not read the remembered hosts in "
                + f.hostsFile());
        f.rememberHost("lab9");
        assertThat(f.loadHosts(problems::add)).containsExactly("lab9");
    }

    @Test
    void theDeviceShownLastIsOneOwnerOnlyLineWrittenByRename() throws Exception {
        UserFiles f = UserFiles.fromEnvironment(Map.of("HOME", home.toString(),
                "XDG_CONFIG_HOME", home.resolve("c").toString()));
        assertThat(f.deviceFile()).isEqualTo(home.resolve("c/migscope/device"));
        List<String> problems = new ArrayList<>();
        assertThat(f.loadDevice(problems::add)).isEmpty();

        f.rememberDevice("sim:pds-0");
        Path old = home.resolve("old-device");
        Files.createLink(old, f.deviceFile());
        f.rememberDevice("0000:3b:00.1");
        assertThat(f.loadDevice(problems::add)).hasValue("0000:3b:00.1");
        assertThat(Files.readAllLines(old)).containsExactly("sim:pds-0");
        assertThat(Files.getPosixFilePermissions(f.deviceFile())).containsExactlyInAnyOrder(
                PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        try (var files = Files.list(f.configDir())) {
            assertThat(files.map(x -> x.getFileName().toString())).containsExactly("device");
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void aDamagedDeviceFileIsAProblemToTellNeverAThrow() throws Exception {
        UserFiles f = UserFiles.fromEnvironment(Map.of("HOME", home.toString()));
        Files.createDirectories(f.configDir());
        List<String> problems = new ArrayList<>();
        for (byte[] damaged : List.of(new byte[] {(byte) 0xff, (byte) 0xfe, 10},
                "sim:pds-0\nsim:mlx5-0\n".getBytes(StandardCharsets.UTF_8),
                "sim:\u001b[2Jpds-0".getBytes(StandardCharsets.UTF_8),
                "x".repeat(UserFiles.MAX_DEVICE_ID + 1).getBytes(StandardCharsets.UTF_8))) {
            Files.write(f.deviceFile(), damaged);
            problems.clear();
            assertThat(f.loadDevice(problems::add)).isEmpty();
            assertThat(problems).containsExactly(f.deviceFile() + " holds no device id (damaged?): left out");
        }
        Files.writeString(f.deviceFile(), "x".repeat(UserFiles.MAX_DEVICE_ID) + "\n");
        assertThat(f.loadDevice(problems::add)).hasValue("x".repeat(UserFiles.MAX_DEVICE_ID));

        // Not a file at all: one sentence naming it.
        Files.delete(f.deviceFile());
        Files.createDirectory(f.deviceFile());
        problems.clear();
        assertThat(f.loadDevice(problems::add)).isEmpty();
        assertThat(problems).singleElement().asString().startsWith("could not read the device shown last from "
                + f.deviceFile());
    }
}

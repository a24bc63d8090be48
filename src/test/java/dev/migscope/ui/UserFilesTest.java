package dev.migscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}

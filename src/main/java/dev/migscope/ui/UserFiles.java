package dev.migscope.ui;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;

/**
 * Where the window keeps what outlives it, by the XDG base directory specification and nowhere
 * else: settings in {@code $XDG_CONFIG_HOME/migscope/settings.properties} (default
 * {@code ~/.config}), the event log in {@code $XDG_STATE_HOME/migscope/events.log} (default
 * {@code ~/.local/state}), rotated at 1 MiB to {@code events.log.1}.
 */
public record UserFiles(Path configDir, Path stateDir) {

    static final long LOG_ROTATE_BYTES = 1 << 20;

    public static UserFiles fromEnvironment(Map<String, String> env) {
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
        return new UserFiles(base(env, "XDG_CONFIG_HOME", home.resolve(".config")).resolve("migscope"),
                base(env, "XDG_STATE_HOME", home.resolve(".local/state")).resolve("migscope"));
    }

    private static Path base(Map<String, String> env, String var, Path fallback) {
        String v = env.get(var);
        // The specification: a relative or empty value is invalid and must be ignored.
        return v != null && !v.isBlank() && Path.of(v).isAbsolute() ? Path.of(v) : fallback;
    }

    public Path settingsFile() {
        return configDir.resolve("settings.properties");
    }

    public Path eventLog() {
        return stateDir.resolve("events.log");
    }

    /** The saved settings; empty when there are none or the file is unreadable (defaults apply). */
    public Properties loadSettings() {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(settingsFile(), StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            // first run, or a damaged file: start from the defaults
        }
        return p;
    }

    /** Writes the settings atomically (temporary file, then rename): a crash never leaves half a file. */
    public void saveSettings(Properties p) throws IOException {
        Files.createDirectories(configDir);
        Path tmp = Files.createTempFile(configDir, ".settings", ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "migscope window settings");
            }
            Files.move(tmp, settingsFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Appends one line to the event log, rotating it first when it has grown past 1 MiB. */
    public void appendToLog(String line) throws IOException {
        Files.createDirectories(stateDir);
        Path log = eventLog();
        if (Files.exists(log) && Files.size(log) > LOG_ROTATE_BYTES) {
            Files.move(log, stateDir.resolve("events.log.1"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}

package dev.migscope.ui;

import dev.migscope.remote.SshTarget;
import dev.migscope.ui.mainwindow.LibvirtController;
import dev.migscope.ui.mainwindow.RemoteController;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where the window keeps what outlives it, by the XDG base directory specification and nowhere
 * else: settings in {@code $XDG_CONFIG_HOME/migscope/settings.properties} (default
 * {@code ~/.config}), the hosts connected to in {@code $XDG_CONFIG_HOME/migscope/hosts}, the libvirt
 * URIs connected to in {@code $XDG_CONFIG_HOME/migscope/libvirt}, the device
 * shown last in {@code $XDG_CONFIG_HOME/migscope/device}, the event
 * log in {@code $XDG_STATE_HOME/migscope/events.log} (default {@code ~/.local/state}), rotated at
 * 1 MiB to {@code events.log.1}. What is rewritten is written atomically.
 */
public record UserFiles(Path configDir, Path stateDir)
        implements RemoteController.HostMemory, LibvirtController.UriMemory {

    /** The most hosts (and libvirt URIs) remembered: the dialog offers them all. */
    static final int MAX_HOSTS = 20;

    static final long LOG_ROTATE_BYTES = 1 << 20;

    /** The longest device id remembered: a PCI address, an mdev UUID and {@code sim:NAME} are far shorter. */
    static final int MAX_DEVICE_ID = 256;

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

    /** The hosts connected to, one {@code [USER@]HOST[:PORT]} or ssh_config alias a line, most recent first. */
    public Path hostsFile() {
        return configDir.resolve("hosts");
    }

    /** The device the window showed last: its id, one line. */
    public Path deviceFile() {
        return configDir.resolve("device");
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

    /** Writes the settings atomically: a crash never leaves half a file. */
    public void saveSettings(Properties p) throws IOException {
        writeAtomically(settingsFile(), w -> p.store(w, "migscope window settings"));
    }

    /**
     * The remembered hosts, most recent first. A line that is no host (the file edited by hand, or
     * damaged) is left out, an unreadable file counts as none; either is one sentence to
     * {@code problems}, never a throw.
     */
    @Override
    public List<String> loadHosts(Consumer<String> problems) {
        return loadRemembered(hostsFile(), "hosts", "connecting to a host", UserFiles::hostProblem, problems);
    }

    /** Puts {@code host} first among the remembered hosts (once), then writes them atomically. */
    @Override
    public void rememberHost(String host) throws IOException {
        SshTarget.parse(host);
        remember(hostsFile(), host, loadHosts(problem -> { }));
    }

    /** The libvirt URIs connected to (File -> Connect to libvirt...), one a line, most recent first. */
    public Path libvirtFile() {
        return configDir.resolve("libvirt");
    }

    /** The remembered libvirt URIs, most recent first; what is no libvirt URI is left out, as for hosts. */
    @Override
    public List<String> loadLibvirtUris(Consumer<String> problems) {
        return loadRemembered(libvirtFile(), "libvirt connections", "connecting to libvirt",
                LibvirtController::uriProblem, problems);
    }

    /** Puts {@code uri} first among the remembered libvirt URIs (once), then writes them atomically. */
    @Override
    public void rememberLibvirtUri(String uri) throws IOException {
        String why = LibvirtController.uriProblem(uri);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        remember(libvirtFile(), uri, loadLibvirtUris(problem -> { }));
    }

    private static String hostProblem(String line) {
        try {
            SshTarget.parse(line);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** A file of remembered lines; {@code problemOf} says why a line is left out (null: kept). */
    private static List<String> loadRemembered(Path file, String what, String rewrites,
            Function<String, String> problemOf, Consumer<String> problems) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (java.nio.charset.CharacterCodingException e) {
            problems.accept("could not read the remembered " + what + " in " + file + ": it is not text (damaged?); "
                    + rewrites + " writes it anew");
            return List.of();
        } catch (IOException e) {
            problems.accept("could not read the remembered " + what + " in " + file + ": " + e.getMessage()
                    + "; " + rewrites + " writes it anew");
            return List.of();
        }
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || kept.contains(line)) {
                continue;
            }
            String why = problemOf.apply(line);
            if (why == null) {
                kept.add(line);
            } else {
                problems.accept(file + " line " + (i + 1) + " left out: " + why);
            }
        }
        return kept;
    }

    private void remember(Path file, String first, List<String> before) throws IOException {
        List<String> kept = new ArrayList<>(List.of(first));
        before.stream().filter(h -> !h.equals(first)).limit(MAX_HOSTS - 1).forEach(kept::add);
        writeAtomically(file, w -> w.write(String.join("\n", kept) + "\n"));
    }

    /**
     * The id of the device the window showed last; empty when none was remembered. A file that
     * cannot be read or holds no device id (edited by hand, or damaged) counts as none and is one
     * sentence to {@code problems}, never a throw; showing a device writes it anew.
     */
    public Optional<String> loadDevice(Consumer<String> problems) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(deviceFile())) {
            bytes = in.readNBytes(MAX_DEVICE_ID + 2);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            problems.accept("could not read the device shown last from " + deviceFile() + ": " + e.getMessage());
            return Optional.empty();
        }
        String id;
        try {
            id = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString().strip();
        } catch (java.nio.charset.CharacterCodingException e) {
            id = null;
        }
        if (id == null || id.length() > MAX_DEVICE_ID || id.codePoints().anyMatch(c -> Character.isISOControl(c)
                || Character.isWhitespace(c))) {
            problems.accept(deviceFile() + " holds no device id (damaged?): left out");
            return Optional.empty();
        }
        return id.isEmpty() ? Optional.empty() : Optional.of(id);
    }

    /** Remembers {@code id} as the device shown last, written atomically. */
    public void rememberDevice(String id) throws IOException {
        writeAtomically(deviceFile(), w -> w.write(id + "\n"));
    }

    private interface Content {
        void writeTo(Writer w) throws IOException;
    }

    /**
     * A temporary file beside {@code file}, then a rename over it: readers see the old file or the
     * new one. The temporary file is created owner-only (0600), so the file is too.
     */
    private void writeAtomically(Path file, Content content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                content.writeTo(w);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

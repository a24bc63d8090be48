package dev.migscope.cli;

import dev.migscope.device.Visible;
import dev.migscope.remote.SshTarget;
import dev.migscope.ui.InspectorApp;
import dev.migscope.ui.common.Theme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code migscope window [--device ID] [--attach SOCKET...] [--host HOST]... [--stream FILE]... [--theme light|dark]}:
 * the window {@code migscope} with no command opens, with a device opened at once (also one no
 * listing shows, such as the broken simulated drivers), QEMUs followed at once, other hosts
 * connected at once (the inherited {@code --host}, given once per host), and a theme chosen. The id is checked here, so a typo is one line on stderr
 * and exit code 3, not a window with an error in its log.
 */
@Command(name = "window", description = "Open the inspector window (what migscope with no command does), "
        + "with a device opened at once, QEMUs followed at once, other hosts connected at once (--host HOST, once "
        + "per host, as File > Connect to host... does; docs/REMOTE.md), QEMU migration streams read at once "
        + "(--stream FILE), and a theme chosen. It lists the simulated "
        + "devices too, and returns when the window closes.")
@UsesTheWindow
final class WindowCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Option(names = "--device", paramLabel = "ID", description = "Open this device at once: an id `migscope list "
            + "--sim` shows, or one that opens by id only (the broken simulated drivers, sim:broken-*).")
    String device;

    @Option(names = "--attach", paramLabel = "SOCKET", arity = "1..*", description = "Follow the QEMU behind "
            + "each QMP socket, as File > Attach to QEMU... does: each QEMU a node of the device list with its "
            + "VFIO devices below it; read-only, the VM is never changed (docs/QEMU.md).")
    List<Path> attach = new ArrayList<>();

    @Option(names = "--stream", paramLabel = "FILE", description = "Read this QEMU migration stream at once, as "
            + "File > Open migration stream... does: a node of the device list with its VFIO devices, the section "
            + "list and the timeline of bytes per pass; give it once per file.")
    List<Path> streams = new ArrayList<>();

    @Option(names = "--theme", paramLabel = "light|dark",
            description = "Colour theme (default: the one the window last used, else light).")
    String theme;

    @Override
    public Integer call() {
        Theme t = null;
        if (theme != null) {
            t = Theme.parse(theme).orElseThrow(() ->
                    new CliFailure(ExitCode.USAGE, "unknown theme '" + theme + "': use light or dark"));
        }
        if (device != null && root.registry().backendFor(device).isEmpty()) {
            throw new CliFailure(ExitCode.NO_DEVICE, device + ": no such device; `migscope list --sim` shows them");
        }
        streams.forEach(WindowCommand::requireStreamFile);
        Optional<String> noDisplay = noDisplay(System.getenv(), System.getProperty("glass.platform"));
        if (noDisplay.isPresent()) {
            throw new CliFailure(ExitCode.FAILED, noDisplay.get());
        }
        InspectorApp.launch(device, attach, root.hosts.stream().map(SshTarget::display).toList(), streams, t);
        return ExitCode.OK;
    }

    /** A stream file the window is to read: one line and exit code 4 when it cannot be read. */
    static void requireStreamFile(Path f) {
        if (!Files.isReadable(f) || Files.isDirectory(f)) {
            throw new CliFailure(ExitCode.FILE, "cannot read " + Visible.of(f.toString()) + ": "
                    + (Files.isDirectory(f) ? "a directory" : Files.exists(f) ? "permission denied" : "no such file"));
        }
    }

    /**
     * Why the window cannot open, if it cannot: JavaFX needs an X11 or Wayland display, unless a
     * platform was chosen (Monocle's headless one, as the tests and {@code screenshot} use).
     */
    static Optional<String> noDisplay(Map<String, String> env, String glassPlatform) {
        if (glassPlatform != null || isSet(env.get("DISPLAY")) || isSet(env.get("WAYLAND_DISPLAY"))) {
            return Optional.empty();
        }
        return Optional.of("no display: the window needs an X11 or Wayland session (neither DISPLAY nor "
                + "WAYLAND_DISPLAY is set); `migscope screenshot FILE.png` renders it without one");
    }

    private static boolean isSet(String v) {
        return v != null && !v.isBlank();
    }
}

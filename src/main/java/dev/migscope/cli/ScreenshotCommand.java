package dev.migscope.cli;

import dev.migscope.ui.Screenshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code migscope screenshot FILE.png}: the window, rendered headless at 1280x800. */
@Command(name = "screenshot", description = "Render the inspector window (1280x800) to a PNG, headless when "
        + "there is no display. On a simulated device a save is started so that the charts show traffic; "
        + "real devices are only sampled. With --stream, the window shows that QEMU migration stream.")
@UsesTheWindow
final class ScreenshotCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.png", description = "Where to write the PNG.")
    Path file;

    @Option(names = "--device", paramLabel = "ID", description = "Select this device (default: the first listed).")
    String device;

    @Option(names = "--stream", paramLabel = "FILE", description = "Show this QEMU migration stream, as File > "
            + "Open migration stream... does: its node, the timeline of bytes per pass and the sections.")
    Path stream;

    @Option(names = "--theme", paramLabel = "light|dark", defaultValue = "light",
            description = "Colour theme (default: ${DEFAULT-VALUE}).")
    String theme;

    @Override
    public Integer call() {
        if (!theme.equals("light") && !theme.equals("dark")) {
            throw new CliFailure(ExitCode.USAGE, "unknown theme '" + theme + "': use light or dark");
        }
        if (device != null && root.registry().backendFor(device).isEmpty()) {
            throw new CliFailure(ExitCode.NO_DEVICE, device + ": no such device; `migscope list --sim` shows them");
        }
        if (stream != null) {
            WindowCommand.requireStreamFile(stream);
        }
        try {
            Screenshot.render(file, device, theme, root.registry(), stream);
        } catch (IOException e) {
            throw new CliFailure(ExitCode.FILE, "cannot write " + file + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + file.toAbsolutePath());
        out.flush();
        return ExitCode.OK;
    }
}

package dev.migscope.cli;

import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceView;
import dev.migscope.session.demo.DemoScenario;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code migscope demo}: the training scenario, narrated, on a simulated device. */
@Command(name = "demo", description = "Run the training scenario on a simulated device: " + DemoScenario.SUMMARY
        + ". Nothing real is touched.")
final class DemoCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--device", paramLabel = "ID", defaultValue = "sim:mlx5-0",
            description = "The simulated device to run it on (default: ${DEFAULT-VALUE}).")
    String id;

    @Override
    public Integer call() {
        if (!id.startsWith("sim:")) {
            throw new CliFailure(ExitCode.USAGE, "the demo injects faults and changes the workload, which only a "
                    + "simulated device allows: choose a sim:* device (`migscope list --sim`)");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path work = tempDir();
        SessionOptions options = SessionOptions.defaults().withArmed(true);
        try (DeviceView s = root.open(id, options)) {
            DemoScenario.Report r = new DemoScenario(s, options.precopyMax(), work, line -> {
                out.println(line);
                out.flush();
            }).run();
            for (DemoScenario.Part p : r.parts()) {
                out.println((p.ok() ? "ok    " : "FAIL  ") + p.name() + ": " + p.detail());
            }
            out.flush();
            return r.ok() ? ExitCode.OK : ExitCode.FAILED;
        } finally {
            delete(work);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("migscope-demo");
        } catch (IOException e) {
            throw new CliFailure(ExitCode.FILE, "cannot create a temporary directory for the demo's stream files: "
                    + e.getMessage());
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temporary directory is harmless
        }
    }
}

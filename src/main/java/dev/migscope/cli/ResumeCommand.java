package dev.migscope.cli;

import dev.migscope.device.Visible;
import dev.migscope.fsm.MigState;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code migscope resume DEV FILE}: a verified stream file into a device. */
@Command(name = "resume", description = {
    "Resume FILE into the device: the whole file is verified first (magic, version, lengths, CRC32C, same "
            + "driver and features); a refused file leaves the device untouched.",
    "Then RESUMING, the data written to the data_fd, STOP (where the driver validates it), then --then."})
final class ResumeCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEV", description = "Device id, as `migscope list` shows it.")
    String id;

    @Parameters(index = "1", paramLabel = "FILE", description = "A stream file written by `migscope save`.")
    Path file;

    @Option(names = "--then", paramLabel = "STATE", converter = Converters.State.class, defaultValue = "RUNNING",
            description = "State to go to after STOP (default: ${DEFAULT-VALUE}).")
    MigState then;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path source = file.toAbsolutePath().normalize();
        try (OpenDevice s = root.open(id, SessionOptions.defaults().withArmed(true))) {
            StreamResult r = StreamCommands.run(root, spec.commandLine().getErr(),
                    a -> s.control().resume(source, then, a.progress(), a.cancel()));
            if (!r.ok()) {
                throw new CliFailure(StreamCommands.exitCode(r, source), StreamCommands.failureLine(r,
                        s.view().isGone()));
            }
            out.println("resumed " + Visible.of(source.toString()) + " into " + Visible.of(id) + ": "
                    + StreamCommands.phases(r));
            StreamCommands.printTransitions(out, r);
            out.println(StreamCommands.finalState(r.finalState()));
            out.flush();
        }
        return ExitCode.OK;
    }
}

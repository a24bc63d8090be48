package dev.migscope.cli;

import dev.migscope.device.Visible;
import dev.migscope.fsm.MigState;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code migscope resume DEV FILE}: a verified stream file into a device. */
@Command(name = "resume", description = {
    "Resume FILE into the device: the whole file is verified first (magic, version, lengths, CRC32C, same "
            + "driver and features); a refused file leaves the device untouched.",
    "Then RESUMING, the data written to the data_fd, STOP (where the driver validates it), then --then."})
final class ResumeCommand implements Callable<Integer> {

    @Mixin
    DeviceParameter dev;

    @Parameters(index = "1", paramLabel = "FILE", description = "A stream file written by `migscope save`.")
    Path file;

    @Option(names = "--then", paramLabel = "STATE", converter = Converters.State.class, defaultValue = "RUNNING",
            description = "State to go to after STOP (default: ${DEFAULT-VALUE}).")
    MigState then;

    @Override
    public Integer call() {
        PrintWriter out = dev.spec.commandLine().getOut();
        Path source = file.toAbsolutePath().normalize();
        try (DeviceView s = dev.root().open(dev.id, SessionOptions.defaults().withArmed(true))) {
            StreamResult r = StreamCommands.run(dev.root(), dev.spec.commandLine().getErr(),
                    a -> MigscopeCli.control(s).resume(source, then, a.progress(), a.cancel()));
            if (!r.ok()) {
                throw new CliFailure(StreamCommands.exitCode(r, source), StreamCommands.failureLine(r,
                        s.isGone()));
            }
            out.println("resumed " + Visible.of(source.toString()) + " into " + Visible.of(dev.id) + ": "
                    + StreamCommands.phases(r));
            StreamCommands.printTransitions(out, r);
            out.println(StreamCommands.finalState(r.finalState()));
            out.flush();
        }
        return ExitCode.OK;
    }
}

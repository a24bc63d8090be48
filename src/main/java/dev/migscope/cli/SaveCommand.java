package dev.migscope.cli;

import dev.migscope.device.Visible;
import dev.migscope.fsm.MigState;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code migscope save DEV FILE}: the device's migration data into a verified stream file. */
@Command(name = "save", description = {
    "Save the device's migration data to FILE: PRE_COPY when the device has it (until the pending bytes are "
            + "small or --precopy-max has passed), then STOP_COPY drained to the end of the stream, then STOP.",
    "FILE is written atomically (temporary file, fsync, rename): it exists only when complete. "
            + "After a failure the device is taken back to the state it was in."})
final class SaveCommand implements Callable<Integer> {

    @Mixin
    DeviceParameter dev;

    @Parameters(index = "1", paramLabel = "FILE", description = "The stream file to write.")
    Path file;

    @Option(names = "--then", paramLabel = "STATE", converter = Converters.State.class,
            description = "State to go to after STOP (default: stay in STOP).")
    MigState then;

    @Option(names = "--precopy-max", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "Longest PRE_COPY phase before switching over anyway: 500ms, 10s, 2m "
                    + "(default: ${DEFAULT-VALUE}).", defaultValue = "10s")
    Duration precopyMax;

    @Override
    public Integer call() {
        PrintWriter out = dev.spec.commandLine().getOut();
        Path target = file.toAbsolutePath().normalize();
        SessionOptions defaults = SessionOptions.defaults();
        SessionOptions options = defaults.withArmed(true).withPrecopy(precopyMax, defaults.precopyThreshold());
        try (DeviceView s = dev.root().open(dev.id, options)) {
            StreamResult r = StreamCommands.run(dev.root(), dev.spec.commandLine().getErr(),
                    a -> MigscopeCli.control(s).save(target, then, a.progress(), a.cancel()));
            if (!r.ok()) {
                throw new CliFailure(StreamCommands.exitCode(r, target), StreamCommands.failureLine(r,
                        s.isGone()));
            }
            out.println("saved " + Visible.of(dev.id) + " to " + Visible.of(target.toString()) + ": "
                    + StreamCommands.phases(r));
            StreamCommands.printTransitions(out, r);
            out.println(StreamCommands.finalState(r.finalState()));
            out.flush();
        }
        return ExitCode.OK;
    }
}

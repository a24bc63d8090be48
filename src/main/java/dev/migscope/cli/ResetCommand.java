package dev.migscope.cli;

import dev.migscope.view.TransitionResult;
import dev.migscope.view.TransitionResult.Step;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code migscope reset DEV}: VFIO_DEVICE_RESET, the only way out of ERROR. */
@Command(name = "reset", description = "Reset the device (VFIO_DEVICE_RESET): the only way out of ERROR; "
        + "the device returns to RUNNING and any data transfer session ends.")
final class ResetCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEV", description = "Device id, as `migscope list` shows it.")
    String id;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (DeviceView s = root.open(id, SessionOptions.defaults().withArmed(true))) {
            TransitionResult r = MigscopeCli.await(MigscopeCli.control(s).reset());
            out.println(id + ": " + r.call() + " from " + r.from());
            for (Step st : r.steps()) {
                out.println(SetCommand.step(st));
            }
            out.println("device is " + (r.finalState() == null ? "in an unknown state (GET failed)"
                    : r.finalState()));
            out.flush();
            if (!r.ok()) {
                throw new CliFailure(ExitCode.FAILED, r.summary());
            }
        }
        return ExitCode.OK;
    }
}

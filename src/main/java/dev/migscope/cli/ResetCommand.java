package dev.migscope.cli;

import dev.migscope.view.TransitionResult;
import dev.migscope.view.TransitionResult.Step;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code migscope reset DEV}: VFIO_DEVICE_RESET, the only way out of ERROR. */
@Command(name = "reset", description = "Reset the device (VFIO_DEVICE_RESET): the only way out of ERROR; "
        + "the device returns to RUNNING and any data transfer session ends.")
final class ResetCommand implements Callable<Integer> {

    @Mixin
    DeviceParameter dev;

    @Override
    public Integer call() {
        PrintWriter out = dev.spec.commandLine().getOut();
        try (DeviceView s = dev.root().open(dev.id, SessionOptions.defaults().withArmed(true))) {
            TransitionResult r = MigscopeCli.await(MigscopeCli.control(s).reset());
            out.println(dev.id + ": " + r.call() + " from " + r.from());
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

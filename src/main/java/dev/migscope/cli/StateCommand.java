package dev.migscope.cli;

import dev.migscope.fsm.MigState;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceView;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code migscope state DEV}: one GET MIG_DEVICE_STATE, printed as the uAPI names it. */
@Command(name = "state", description = {
    "Print the device's migration state (GET MIG_DEVICE_STATE), e.g. RUNNING.",
    "A device another process holds (EBUSY) is read passively from debugfs where the kernel allows it."})
final class StateCommand implements Callable<Integer> {

    @Mixin
    DeviceParameter dev;

    @Override
    public Integer call() {
        try (DeviceView s = dev.root().openOrWatch(dev.id, SessionOptions.defaults())) {
            MigState st = MigscopeCli.await(s.refreshState());
            dev.spec.commandLine().getOut().println(st.name());
            dev.spec.commandLine().getOut().flush();
        }
        return ExitCode.OK;
    }
}

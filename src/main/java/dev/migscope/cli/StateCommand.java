package dev.migscope.cli;

import dev.migscope.fsm.MigState;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceView;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code migscope state DEV}: one GET MIG_DEVICE_STATE, printed as the uAPI names it. */
@Command(name = "state", description = {
    "Print the device's migration state (GET MIG_DEVICE_STATE), e.g. RUNNING.",
    "A device another process holds (EBUSY) is read passively from debugfs where the kernel allows it."})
final class StateCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEV", description = "Device id, as `migscope list` shows it.")
    String id;

    @Override
    public Integer call() {
        try (DeviceView s = root.openOrWatch(id, SessionOptions.defaults())) {
            MigState st = MigscopeCli.await(s.refreshState());
            spec.commandLine().getOut().println(st.name());
            spec.commandLine().getOut().flush();
        }
        return ExitCode.OK;
    }
}

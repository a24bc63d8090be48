package dev.migscope.cli;

import dev.migscope.agent.Agent;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code migscope agent}: the far side of another host's {@code --host}; ssh starts it, not a person. */
@Command(name = "agent", description = {
    "Serve another host's `migscope --host`: JSON lines on stdin and stdout (docs/REMOTE.md). ssh runs it as "
            + "`ssh -T HOST migscope agent`; it ends when stdin does, closing every device it opened."})
final class AgentCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Override
    public Integer call() {
        if (root.target() != null) {
            throw new CliFailure(ExitCode.USAGE, "agent serves the devices of the host it runs on; drop --host");
        }
        return new Agent(root.registries(), VersionProvider.version(), System.in, System.out, System.err).run();
    }
}

package dev.migscope.cli;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code migscope fsm ...}: the kernel's FSM, without any device. */
@Command(name = "fsm", description = "The v2 migration FSM of the kernel (vfio_mig_get_next_state), without a device.",
        subcommands = FsmCommand.Table.class)
final class FsmCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /** {@code migscope fsm table --features ...}: the 64 (from, to) pairs as TSV. */
    @Command(name = "table", description = {
        "Print the kernel's answer for every (from, to) pair of a feature set as TSV: a header "
                + "from<TAB>to<TAB>next<TAB>path, then 64 rows in ABI order. next is the first step (from itself "
                + "when from = to) or EINVAL; path is the states walked joined by '>' (e.g. RUNNING>RUNNING_P2P>STOP), "
                + "or EINVAL."})
    static final class Table implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--features", required = true, paramLabel = "LIST", converter = Converters.Features.class,
                description = "stop-copy[,p2p][,pre-copy]")
        MigFeatures features;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            StringBuilder sb = new StringBuilder("from\tto\tnext\tpath\n");
            List<MigState> order = Arrays.stream(MigState.values())
                    .sorted(Comparator.comparingInt(MigState::abi)).toList();
            for (MigState from : order) {
                for (MigState to : order) {
                    MigPath p = MigrationFsm.path(features, from, to);
                    sb.append(from.name()).append('\t').append(to.name()).append('\t')
                            .append(p.next().map(Enum::name).orElse("EINVAL")).append('\t')
                            .append(p.format()).append('\n');
                }
            }
            out.print(sb);
            out.flush();
            return ExitCode.OK;
        }
    }
}

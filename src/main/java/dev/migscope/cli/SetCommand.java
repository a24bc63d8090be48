package dev.migscope.cli;

import dev.migscope.view.TransitionResult;
import dev.migscope.view.TransitionResult.Step;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.fsm.Refusal;
import dev.migscope.session.SessionOptions;
import dev.migscope.session.TransitionMode;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code migscope set DEV STATE...}: drives the device along the kernel's path to each STATE in
 * turn and prints every SET it took.
 */
@Command(name = "set", description = {
    "Drive the device to STATE along the path the kernel walks (vfio_mig_get_next_state), one SET per "
            + "direct arc, printing each step; several STATEs are reached one after the other, stopping at the "
            + "first failure.",
    "migscope closes the device when the command ends. Most migration drivers (mlx5_vfio_pci, "
            + "hisi_acc_vfio_pci, pds_vfio_pci) return it to RUNNING on close or on the next open, and so does "
            + "the simulator; the mtty sample keeps its state. watch, save and resume work within one command."})
final class SetCommand implements Callable<Integer> {

    static final String CLOSE_NOTE = "note: migscope closes the device on exit; mlx5, hisi_acc and pds drivers "
            + "(and the simulator) then return it to RUNNING, the mtty sample keeps its state";

    @Mixin
    DeviceParameter dev;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "STATE", converter = Converters.State.class,
            description = "Target state as the uAPI spells it: STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, "
                    + "PRE_COPY, PRE_COPY_P2P.")
    List<MigState> targets;

    @Option(names = "--kernel-walk",
            description = "One SET of the target and let the kernel walk the path itself, as QEMU does.")
    boolean kernelWalk;

    @Override
    public Integer call() {
        PrintWriter out = dev.spec.commandLine().getOut();
        SessionOptions options = SessionOptions.defaults().withArmed(true)
                .withMode(kernelWalk ? TransitionMode.KERNEL : TransitionMode.STEPWISE);
        try (DeviceView s = dev.root().open(dev.id, options)) {
            for (MigState target : targets) {
                TransitionResult r = MigscopeCli.await(MigscopeCli.control(s).transition(target));
                print(out, s, r);
                if (!r.ok()) {
                    out.flush();
                    throw new CliFailure(ExitCode.FAILED, r.summary() + missingFeatures(s, r));
                }
            }
        }
        out.println(CLOSE_NOTE);
        out.flush();
        return ExitCode.OK;
    }

    private void print(PrintWriter out, DeviceView s, TransitionResult r) {
        MigPath path = MigrationFsm.path(s.features(), r.from(), r.requested());
        out.println(dev.id + ": " + r.call() + " " + r.from() + " -> " + r.requested()
                + (path.isRefused() ? "" : "  (path " + path.format() + ")"));
        if (r.steps().isEmpty() && r.refusal() == null && r.error() == null) {
            out.println("  already " + r.from() + ": no SET needed");
        }
        for (Step st : r.steps()) {
            out.println(step(st));
        }
        out.println("device is " + (r.finalState() == null ? "in an unknown state (GET failed)" : r.finalState()));
    }

    /** Which features the refused target needs, so the line says what the device lacks. */
    private static String missingFeatures(DeviceView s, TransitionResult r) {
        if (r.refusal() != Refusal.TARGET_NEEDS_FEATURE) {
            return "";
        }
        return " (" + r.requested() + " needs " + String.join(",", s.features().missingFor(r.requested()).stream()
                .map(MigFeature::cliName).toList()) + "; " + s.id() + " has " + s.features() + ")";
    }

    /** {@code   RUNNING -> STOP  0.004 ms  data_fd=5}, or the errno of a failed step. */
    static String step(Step st) {
        StringBuilder sb = new StringBuilder("  ").append(st.from()).append(" -> ").append(st.to())
                .append("  ").append(Format.millis(st.duration()));
        if (st.dataFd() >= 0) {
            sb.append("  data_fd=").append(st.dataFd());
        }
        if (st.error() != null) {
            sb.append("  failed: ").append(st.error().errnoMeaning());
        }
        return sb.toString();
    }
}

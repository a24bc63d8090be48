package dev.migscope.qemu;

import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.List;

/**
 * The kernel's walk for one SET QEMU made. QEMU sets the target once and reports only the state it
 * asked for; the kernel walks there through its own table ({@link MigrationFsm}), so RESUMING ->
 * RUNNING_P2P passes STOP: every state between the first and the last is the kernel's step.
 *
 * @param from      the state before QEMU's SET
 * @param requested the state QEMU asked for and reported
 * @param states    the walk, starting with {@code from}; just from and requested when the FSM refuses it
 * @param allowed   false when the FSM has no such path for these features (the features were
 *                  guessed wrong, or QEMU reported something the kernel would refuse)
 */
public record KernelPath(MigState from, MigState requested, List<MigState> states, boolean allowed) {

    public KernelPath {
        states = List.copyOf(states);
    }

    public static KernelPath of(MigFeatures features, MigState from, MigState requested) {
        MigPath p = MigrationFsm.path(features, from, requested);
        if (p.isRefused()) {
            return new KernelPath(from, requested, List.of(from, requested), false);
        }
        return new KernelPath(from, requested, p.states(), true);
    }

    /** The states the kernel passed on its own, in order (empty for a direct arc). */
    public List<MigState> kernelSteps() {
        return states.size() <= 2 ? List.of() : states.subList(1, states.size() - 1);
    }

    public List<Arc> arcs() {
        return new MigPath(from, requested, states, null).arcs();
    }

    /** True for an arc ending in a state QEMU did not ask for: a step the kernel took by itself. */
    public boolean isKernelStep(Arc arc) {
        return arc.to() != requested;
    }

    /** {@code RESUMING>STOP>RUNNING_P2P}. */
    public String format() {
        return String.join(">", states.stream().map(Enum::name).toList());
    }
}

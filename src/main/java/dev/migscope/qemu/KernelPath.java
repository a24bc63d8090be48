package dev.migscope.qemu;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    /**
     * {@code STOP -> RUNNING_P2P  the kernel walked ...}, the VFIO_MIGRATION line after the device,
     * and its {@code path} and {@code kernel_steps} members put into {@code json}.
     */
    String describe(MigFeatures features, ObjectNode json) {
        ArrayNode walk = json.putArray("path");
        states.forEach(st -> walk.add(st.name()));
        ArrayNode kernel = json.putArray("kernel_steps");
        kernelSteps().forEach(st -> kernel.add(st.name()));
        return from + " -> " + requested + (kernelSteps().isEmpty() ? "" : "  the kernel walked " + format() + " ("
                + String.join(", ", kernelSteps().stream().map(Enum::name).toList()) + " the kernel's)")
                + (allowed ? "" : "  (no such path in the kernel's FSM for features " + features + ")");
    }
}

package dev.migscope.fsm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The walk the kernel takes for one SET of MIG_DEVICE_STATE: the states visited, starting with
 * the current one, or the refusal (-EINVAL).
 */
public record MigPath(MigState from, MigState to, List<MigState> states, Refusal refusal) {

    public MigPath {
        states = List.copyOf(states);
    }

    public static MigPath refused(MigState from, MigState to, Refusal refusal) {
        return new MigPath(from, to, List.of(), refusal);
    }

    public boolean isRefused() {
        return refusal != null;
    }

    /** The direct arcs of the walk, in order (empty when from == to or refused). */
    public List<Arc> arcs() {
        List<Arc> arcs = new ArrayList<>();
        for (int i = 1; i < states.size(); i++) {
            arcs.add(new Arc(states.get(i - 1), states.get(i)));
        }
        return arcs;
    }

    /** The first step, or the from state itself when from == to; empty when refused. */
    public Optional<MigState> next() {
        if (isRefused()) {
            return Optional.empty();
        }
        return Optional.of(states.size() > 1 ? states.get(1) : states.get(0));
    }

    /** {@code RUNNING>RUNNING_P2P>STOP}, or {@code EINVAL}. */
    public String format() {
        return isRefused() ? "EINVAL" : String.join(">", states.stream().map(Enum::name).toList());
    }

    @Override
    public String toString() {
        return from + "->" + to + ": " + (isRefused() ? "EINVAL (" + refusal.reason() + ")" : format());
    }
}

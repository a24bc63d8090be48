package dev.migscope.fsm;

/** One direct FSM arc: a single step a driver implements. */
public record Arc(MigState from, MigState to) {

    /** The stable identifier used by the UI and tests: {@code arc-RUNNING-PRE_COPY}. */
    public String id() {
        return "arc-" + from.name() + "-" + to.name();
    }

    /** What the arc does to the data transfer session (vfio.h, "FSM arcs"). */
    public ArcEffect effect() {
        return ArcEffect.of(from, to);
    }

    @Override
    public String toString() {
        return from + "->" + to;
    }
}

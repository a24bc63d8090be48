package dev.migscope.fsm;

import static dev.migscope.fsm.MigState.ERROR;
import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.PRE_COPY_P2P;
import static dev.migscope.fsm.MigState.RESUMING;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.RUNNING_P2P;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The v2 migration FSM exactly as {@code vfio_mig_get_next_state()} in drivers/vfio/vfio_main.c
 * (Linux 6.12) computes it: a fixed next-step table, plus a rule that skips states the device's
 * feature set lacks. Everything else (direct arcs, multi-step paths, refusals) is derived from
 * that one table, so there is a single source of truth.
 */
public final class MigrationFsm {

    /**
     * {@code vfio_from_fsm_table[cur][new]}, rows and columns in ABI order
     * (ERROR, STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P).
     */
    private static final MigState[][] FROM_FSM_TABLE = new MigState[8][];

    static {
        row(STOP, /* ERROR */ ERROR, /* STOP */ STOP, /* RUNNING */ RUNNING_P2P, /* STOP_COPY */ STOP_COPY,
                /* RESUMING */ RESUMING, /* RUNNING_P2P */ RUNNING_P2P, /* PRE_COPY */ RUNNING_P2P,
                /* PRE_COPY_P2P */ RUNNING_P2P);
        row(RUNNING, ERROR, RUNNING_P2P, RUNNING, RUNNING_P2P, RUNNING_P2P, RUNNING_P2P, PRE_COPY, RUNNING_P2P);
        row(PRE_COPY, ERROR, RUNNING, RUNNING, PRE_COPY_P2P, RUNNING, RUNNING, PRE_COPY, PRE_COPY_P2P);
        row(PRE_COPY_P2P, ERROR, RUNNING_P2P, RUNNING_P2P, STOP_COPY, RUNNING_P2P, RUNNING_P2P, PRE_COPY,
                PRE_COPY_P2P);
        row(STOP_COPY, ERROR, STOP, STOP, STOP_COPY, STOP, STOP, ERROR, ERROR);
        row(RESUMING, ERROR, STOP, STOP, STOP, RESUMING, STOP, STOP, STOP);
        row(RUNNING_P2P, ERROR, STOP, RUNNING, STOP, STOP, RUNNING_P2P, RUNNING, PRE_COPY_P2P);
        row(ERROR, ERROR, ERROR, ERROR, ERROR, ERROR, ERROR, ERROR, ERROR);
    }

    /** Every arc of the full v2 FSM: the union of the direct arcs of the four feature sets. */
    private static final Set<Arc> ALL_ARCS;

    static {
        Set<Arc> all = new LinkedHashSet<>();
        for (MigFeatures f : MigFeatures.VALID_SETS) {
            all.addAll(directArcs(f));
        }
        ALL_ARCS = Collections.unmodifiableSet(all);
    }

    private MigrationFsm() {
    }

    private static void row(MigState from, MigState... nextByTarget) {
        FROM_FSM_TABLE[from.abi()] = nextByTarget;
    }

    /** The raw table entry, before the skip rule. */
    static MigState tableEntry(MigState cur, MigState target) {
        return FROM_FSM_TABLE[cur.abi()][target.abi()];
    }

    /**
     * One call of {@code vfio_mig_get_next_state(device, cur, target, &next)}: the next state the
     * driver must step to, or the refusal that the kernel reports as -EINVAL.
     */
    public static MigPath nextStep(MigFeatures features, MigState cur, MigState target) {
        if (cur != ERROR && !features.supports(cur)) {
            return MigPath.refused(cur, target, Refusal.CURRENT_NEEDS_FEATURE);
        }
        if (target == ERROR) {
            return MigPath.refused(cur, target, cur == ERROR ? Refusal.FROM_ERROR : Refusal.TARGET_IS_ERROR);
        }
        if (!features.supports(target)) {
            return MigPath.refused(cur, target, Refusal.TARGET_NEEDS_FEATURE);
        }
        // Arcs touching optional states the device lacks are skipped over.
        MigState next = tableEntry(cur, target);
        while (next != ERROR && !features.supports(next)) {
            next = tableEntry(next, target);
        }
        if (next == ERROR) {
            return MigPath.refused(cur, target,
                    cur == ERROR ? Refusal.FROM_ERROR : Refusal.STOP_COPY_TO_PRE_COPY);
        }
        return new MigPath(cur, target, List.of(cur, next), null);
    }

    /**
     * The whole walk a driver makes for one SET (the {@code while (state != new_state)} loop of
     * every driver's set_state): the states visited, starting with {@code from}.
     */
    public static MigPath path(MigFeatures features, MigState from, MigState to) {
        List<MigState> states = new ArrayList<>();
        states.add(from);
        MigState cur = from;
        // One call even when from == to, so that (ERROR, ERROR) and unsupported states are refused as the kernel would.
        do {
            MigPath step = nextStep(features, cur, to);
            if (step.isRefused()) {
                return MigPath.refused(from, to, step.refusal());
            }
            MigState next = step.states().get(1);
            if (next == cur) {
                break;
            }
            states.add(next);
            cur = next;
            if (states.size() > MigState.values().length) {
                throw new IllegalStateException("FSM table loops for " + from + "->" + to);
            }
        } while (cur != to);
        return new MigPath(from, to, states, null);
    }

    /** The arcs a driver with this feature set must implement: every step of every path. */
    public static Set<Arc> directArcs(MigFeatures features) {
        Set<Arc> arcs = new LinkedHashSet<>();
        for (MigState from : MigState.values()) {
            for (MigState to : MigState.values()) {
                arcs.addAll(path(features, from, to).arcs());
            }
        }
        return Collections.unmodifiableSet(arcs);
    }

    /** Every arc of the full v2 FSM, whatever the feature set (the graph's edges). */
    public static Set<Arc> allArcs() {
        return ALL_ARCS;
    }

    /** True when a single SET from {@code from} to {@code to} is one direct arc for this feature set. */
    public static boolean isDirect(MigFeatures features, MigState from, MigState to) {
        return directArcs(features).contains(new Arc(from, to));
    }
}

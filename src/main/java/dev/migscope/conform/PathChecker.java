package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every pair of states more than one arc apart, with one SET: the kernel walks the path. vfio.h:
 * "The remaining possible transitions are interpreted as combinations of the above FSM arcs. [...]
 * Refer to vfio_mig_get_next_state() for the result of the algorithm" ({@link Rule#COMBINATION}).
 * First, the path the kernel's table gives each pair of this feature set is held to the rules it
 * was written by, as libvfio-user's suite holds it: "Select the shortest path. The path cannot have
 * saving group states as interior arcs" ({@link Rule#SHORTEST_PATH}).
 */
final class PathChecker implements Checker {

    @Override
    public void check(CheckContext c) {
        shortest(c);
        for (MigState from : c.states()) {
            for (MigState to : c.states()) {
                MigPath p = MigrationFsm.path(c.features(), from, to);
                if (!p.isRefused() && p.arcs().size() > 1) {
                    path(c, p);
                }
            }
        }
    }

    /**
     * Each multi-step path of the table against a breadth-first search over the feature set's direct
     * arcs, and its interior states against the saving group. A path that starts and ends in the
     * saving group stays in its one data transfer session (PRE_COPY -> STOP_COPY walks PRE_COPY_P2P),
     * so its interior may be in the group too.
     */
    private static void shortest(CheckContext c) {
        List<String> wrong = new ArrayList<>();
        int paths = 0;
        for (MigState from : c.states()) {
            for (MigState to : c.states()) {
                MigPath p = MigrationFsm.path(c.features(), from, to);
                if (p.isRefused() || p.arcs().size() < 2) {
                    continue;
                }
                paths++;
                int least = distance(c, from, to);
                if (p.arcs().size() > least) {
                    wrong.add(p.format() + " takes " + p.arcs().size() + " arcs, " + least + " would do");
                }
                boolean withinGroup = from.isSaving() && to.isSaving();
                List<MigState> interior = p.states().subList(1, p.states().size() - 1);
                if (!withinGroup && interior.stream().anyMatch(MigState::isSaving)) {
                    wrong.add(p.format() + " passes through the saving group");
                }
            }
        }
        c.add("paths.shortest", "fsm-table", "every multi-step path of the kernel's table is a shortest one and passes "
                + "through no saving state", Rule.SHORTEST_PATH, wrong.isEmpty() ? Status.PASS : Status.FAIL,
                wrong.isEmpty() ? paths + " paths for " + c.features() : String.join("; ", wrong));
    }

    /** The fewest direct arcs from {@code from} to {@code to} for the device's features. */
    private static int distance(CheckContext c, MigState from, MigState to) {
        Map<MigState, Integer> seen = new EnumMap<>(MigState.class);
        ArrayDeque<MigState> queue = new ArrayDeque<>(List.of(from));
        seen.put(from, 0);
        while (!queue.isEmpty()) {
            MigState s = queue.poll();
            for (MigState next : c.states()) {
                if (!seen.containsKey(next) && MigrationFsm.isDirect(c.features(), s, next)) {
                    seen.put(next, seen.get(s) + 1);
                    queue.add(next);
                }
            }
        }
        return seen.getOrDefault(to, Integer.MAX_VALUE);
    }

    private static void path(CheckContext c, MigPath p) {
        DeviceUnderTest dev = c.dev;
        String id = "path." + p.from() + "-" + p.to();
        String set = CheckContext.SET + p.to() + " from " + p.from();
        String title = set + " reaches " + p.to() + " (kernel walks " + p.format() + ")";
        if (p.from() == MigState.RESUMING && !c.hasImage()) {
            c.notApplicable(id, CheckContext.NO_IMAGE);
            return;
        }
        Optional<MigrationStream> before = Optional.empty();
        Optional<MigrationStream> after = Optional.empty();
        try {
            before = dev.reach(p.from());
            if (p.from() == MigState.RESUMING) {
                c.writeImage(dev, before.orElseThrow(), c.imageBytes());
            }
            try {
                after = dev.session.setState(p.to());
            } catch (VfioException e) {
                c.add(id, "paths", title, Rule.COMBINATION, Status.FAIL,
                        set + " failed: " + e.error().describe() + "; GET: " + dev.getText());
                return;
            }
            MigState got = dev.get();
            c.add(id, "paths", title, Rule.COMBINATION, got == p.to() ? Status.PASS : Status.FAIL,
                    set + ": ok" + after.map(f -> ", data_fd " + f.fd()).orElse("") + "; GET: " + got);
        } catch (VfioException e) {
            c.add(id, "paths", title, Rule.COMBINATION, Status.FAIL,
                    "could not put the device in " + p.from() + ": " + e.error().describe());
        } finally {
            DeviceUnderTest.close(after);
            DeviceUnderTest.close(before);
        }
    }
}

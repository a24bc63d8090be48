package dev.migscope.ui.graph;

import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the graph must show for one device at one moment: the style classes of every state and
 * arc, the step numbers of the previewed path and the caption that explains it. Pure: derived
 * from {@link MigrationFsm} alone, so the picture cannot disagree with the kernel's table.
 *
 * @param classes  style classes by CSS id ({@code state-STOP}, {@code arc-RUNNING-STOP})
 * @param steps    step numbers of the previewed path by CSS id: arc i (1-based) and the state it reaches
 * @param preview  the previewed walk from the current state to the hovered one, if any
 * @param caption  one line for the user: the path, or why the kernel refuses it
 */
public record GraphHighlight(Map<String, Set<String>> classes, Map<String, Integer> steps,
                             Optional<MigPath> preview, String caption) {

    public static final String USABLE = "usable";
    public static final String UNSUPPORTED = "unsupported";
    public static final String REFUSED = "refused";
    public static final String CURRENT = "current";
    public static final String ON_PATH = "on-path";
    public static final String HOVERED = "hovered";

    /** Every class this model may set, so a view can remove the stale ones. */
    public static final List<String> ALL_CLASSES = List.of(USABLE, UNSUPPORTED, REFUSED, CURRENT, ON_PATH, HOVERED);

    public GraphHighlight {
        classes = Map.copyOf(classes);
        steps = Map.copyOf(steps);
    }

    public static String stateId(MigState s) {
        return "state-" + s.name();
    }

    /**
     * @param features the device's GET MIGRATION flags; null when no device is selected (nothing is classified)
     * @param current  the device's state; null when unknown
     * @param hovered  the target the user points at; null when none
     */
    public static GraphHighlight of(MigFeatures features, MigState current, MigState hovered) {
        Map<String, Set<String>> classes = new LinkedHashMap<>();
        for (MigState s : MigState.values()) {
            classes.put(stateId(s), new LinkedHashSet<>());
        }
        for (Arc a : MigrationFsm.allArcs()) {
            classes.put(a.id(), new LinkedHashSet<>());
        }
        Map<String, Integer> steps = new LinkedHashMap<>();
        if (features == null) {
            return new GraphHighlight(freeze(classes), steps, Optional.empty(), "No device selected");
        }
        Set<Arc> direct = MigrationFsm.directArcs(features);
        for (Arc a : MigrationFsm.allArcs()) {
            classes.get(a.id()).add(direct.contains(a) ? USABLE : UNSUPPORTED);
        }
        for (MigState s : MigState.values()) {
            Set<String> c = classes.get(stateId(s));
            // ERROR is no feature a device lacks: it is a state no one may request.
            if (s != MigState.ERROR) {
                c.add(features.supports(s) ? USABLE : UNSUPPORTED);
            }
            if (s == current) {
                c.add(CURRENT);
            }
            if (current != null && MigrationFsm.path(features, current, s).isRefused()) {
                c.add(REFUSED);
            }
        }
        Optional<MigPath> preview = Optional.empty();
        String caption = current == null ? "Device state unknown" : "Device is " + current
                + ". Point at a state to preview the kernel's path.";
        if (hovered != null) {
            classes.get(stateId(hovered)).add(HOVERED);
        }
        if (hovered != null && current != null) {
            MigPath path = MigrationFsm.path(features, current, hovered);
            preview = Optional.of(path);
            if (path.isRefused()) {
                caption = current + " \u2192 " + hovered + ": refused (EINVAL): " + path.refusal().reason();
            } else {
                List<Arc> arcs = path.arcs();
                for (int i = 0; i < arcs.size(); i++) {
                    classes.get(arcs.get(i).id()).add(ON_PATH);
                    steps.put(arcs.get(i).id(), i + 1);
                    steps.put(stateId(arcs.get(i).to()), i + 1);
                }
                for (MigState s : path.states()) {
                    classes.get(stateId(s)).add(ON_PATH);
                }
                caption = arcs.isEmpty()
                        ? "Device is already " + current
                        : current + " \u2192 " + hovered + ": " + arcs.size() + (arcs.size() == 1 ? " step: " : " steps: ")
                        + String.join(" \u2192 ", path.states().stream().map(Enum::name).toList());
            }
        }
        return new GraphHighlight(freeze(classes), steps, preview, caption);
    }

    private static Map<String, Set<String>> freeze(Map<String, Set<String>> m) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, Set.copyOf(v)));
        return out;
    }

    public Set<String> classesOf(String id) {
        return classes.getOrDefault(id, Set.of());
    }
}

package dev.migscope.ui.graph;

import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.ui.common.Tooltips;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javafx.animation.PauseTransition;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Point2D;
import javafx.scene.Group;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Circle;
import javafx.scene.transform.Scale;
import javafx.util.Duration;

/**
 * The v2 migration FSM as a live picture: every state a node ({@code #state-PRE_COPY}), every arc
 * of the full FSM an edge with an arrow ({@code #arc-RUNNING-PRE_COPY}), classified for the
 * selected device by {@link GraphHighlight}. Pointing at a state previews the kernel's walk;
 * clicking it (or pressing its ABI number) asks for that target through {@link #setOnTarget}.
 * The view never touches a device: it only shows what it is told.
 */
public final class FsmGraphView extends Region {

    private static final double GAP = 3;

    private final ObjectProperty<MigFeatures> features = new SimpleObjectProperty<>(this, "features");
    private final ObjectProperty<MigState> current = new SimpleObjectProperty<>(this, "current");
    private final ObjectProperty<MigState> hovered = new SimpleObjectProperty<>(this, "hovered");
    private GraphHighlight highlight = GraphHighlight.of(null, null, null);

    private final Map<MigState, StackPane> stateNodes = new EnumMap<>(MigState.class);
    /** A state's step number on the previewed path; built the first time the state has one. */
    private final Map<MigState, Label> stateBadges = new EnumMap<>(MigState.class);
    private final Map<String, ArcShape> arcNodes = new LinkedHashMap<>();
    /** An arc's step number on the previewed path; built the first time the arc has one. */
    private final Map<String, StackPane> arcBadges = new LinkedHashMap<>();
    private final Pane edges = new Pane();
    private final Pane badges = new Pane();
    private final Group content = new Group();
    private final Scale scale = new Scale(1, 1, 0, 0);
    private final Label caption = new Label();
    private Consumer<MigState> onTarget = s -> { };
    private String idleCaption;

    private final String idPrefix;

    public FsmGraphView() {
        this("");
    }

    /**
     * @param idPrefix prefixed to every node's CSS id, so that a second graph in the same scene
     *                 (the teaching view) keeps ids unique
     */
    public FsmGraphView(String idPrefix) {
        this.idPrefix = idPrefix;
        getStyleClass().add("fsm-graph");
        setId(idPrefix + "fsm-graph");
        setFocusTraversable(true);
        Pane nodes = new Pane();
        edges.setPickOnBounds(false);
        nodes.setPickOnBounds(false);
        badges.setMouseTransparent(true);
        for (Arc a : MigrationFsm.allArcs()) {
            edges.getChildren().add(buildArc(a));
        }
        for (MigState s : MigState.values()) {
            nodes.getChildren().add(buildState(s));
        }
        Label errorNote = new Label("left only by Reset");
        errorNote.getStyleClass().add("error-note");
        Point2D e = GraphLayout.centre(MigState.ERROR);
        errorNote.relocate(e.getX() - GraphLayout.NODE_W / 2, e.getY() + GraphLayout.NODE_H / 2 + 6);
        nodes.getChildren().add(errorNote);
        Region frame = new Region();
        frame.getStyleClass().add("graph-canvas");
        frame.setPrefSize(GraphLayout.WIDTH, GraphLayout.HEIGHT);
        frame.resize(GraphLayout.WIDTH, GraphLayout.HEIGHT);
        frame.setMouseTransparent(true);
        content.getChildren().addAll(frame, edges, badges, nodes);
        content.getTransforms().add(scale);
        caption.setId(idPrefix + "path-info");
        caption.getStyleClass().add("path-info");
        caption.setWrapText(true);
        caption.setMouseTransparent(true);
        getChildren().addAll(content, caption);

        features.addListener((o, a, b) -> refresh());
        current.addListener((o, a, b) -> refresh());
        hovered.addListener((o, a, b) -> refresh());
        addEventHandler(KeyEvent.KEY_PRESSED, this::onKey);
        refresh();
    }

    private StackPane buildState(MigState s) {
        Label name = new Label(s.name());
        name.getStyleClass().add("state-name");
        Label abi = new Label("device_state " + s.abi() + "  \u00b7  key " + s.abi());
        abi.getStyleClass().add("state-abi");
        VBox text = new VBox(1, name, abi);
        text.setAlignment(javafx.geometry.Pos.CENTER);
        StackPane node = new StackPane(text);
        node.setId(idPrefix + GraphHighlight.stateId(s));
        node.getStyleClass().add("state-node");
        if (s == MigState.ERROR) {
            node.getStyleClass().add("error-state");
        }
        node.setPrefSize(GraphLayout.NODE_W, GraphLayout.NODE_H);
        node.resize(GraphLayout.NODE_W, GraphLayout.NODE_H);
        Point2D c = GraphLayout.centre(s);
        node.relocate(c.getX() - GraphLayout.NODE_W / 2, c.getY() - GraphLayout.NODE_H / 2);
        Tooltips.installLong(node, () -> s.name() + " (device_state " + s.abi() + ")\n" + s.meaning()
                + (s.requiredFeatures().flags() == MigFeatures.STOP_COPY_ONLY.flags() || s == MigState.ERROR
                ? "" : "\nNeeds: " + s.requiredFeatures()));
        node.addEventHandler(MouseEvent.MOUSE_ENTERED, ev -> hovered.set(s));
        node.setOnMouseExited(ev -> {
            // A tooltip popping up under the pointer also "exits" the node: only a pointer outside counts.
            boolean stillInside = node.getLayoutBounds().contains(node.sceneToLocal(ev.getSceneX(), ev.getSceneY()));
            if (hovered.get() == s && !stillInside) {
                hovered.set(null);
            }
        });
        node.setOnMouseClicked(ev -> {
            if (ev.getButton() == MouseButton.PRIMARY) {
                requestFocus();
                onTarget.accept(s);
            }
        });
        stateNodes.put(s, node);
        return node;
    }

    private ArcShape buildArc(Arc a) {
        Point2D from = GraphLayout.centre(a.from());
        Point2D to = GraphLayout.centre(a.to());
        Point2D dir = to.subtract(from).normalize();
        Point2D left = new Point2D(dir.getY(), -dir.getX());
        Point2D control = from.midpoint(to).add(left.multiply(GraphLayout.bow(a) * 2));
        ArcShape arc = new ArcShape(clip(from, control), control, clip(to, control));
        arc.setId(idPrefix + a.id());
        arc.getStyleClass().add("arc-edge");
        Tooltips.installLong(arc, () -> a.from() + " \u2192 " + a.to() + "\n" + describe(a));
        arcNodes.put(a.id(), arc);
        return arc;
    }

    /** The step number of an arc: a disc at the curve's midpoint, built the first time it is needed. */
    private Label arcBadge(String arcId) {
        StackPane badge = arcBadges.computeIfAbsent(arcId, id -> {
            Circle disc = new Circle(10);
            disc.getStyleClass().add("arc-step-disc");
            Label number = new Label();
            number.getStyleClass().add("arc-step");
            StackPane b = new StackPane(disc, number);
            Point2D mid = arcNodes.get(id).middle();
            b.resize(20, 20);
            b.relocate(mid.getX() - 10, mid.getY() - 10);
            badges.getChildren().add(b);
            return b;
        });
        return (Label) badge.getChildren().get(1);
    }

    /** The step number of a state, at its node's top right corner, built the first time it is needed. */
    private Label stateBadge(MigState s) {
        return stateBadges.computeIfAbsent(s, st -> {
            Label badge = new Label();
            badge.getStyleClass().add("step-badge");
            StackPane.setAlignment(badge, javafx.geometry.Pos.TOP_RIGHT);
            stateNodes.get(st).getChildren().add(badge);
            return badge;
        });
    }

    /** The point where the ray from a node's centre toward {@code toward} leaves the node's box. */
    private static Point2D clip(Point2D centre, Point2D toward) {
        Point2D d = toward.subtract(centre);
        double hw = GraphLayout.NODE_W / 2 + GAP;
        double hh = GraphLayout.NODE_H / 2 + GAP;
        double t = Math.min(d.getX() == 0 ? Double.MAX_VALUE : hw / Math.abs(d.getX()),
                d.getY() == 0 ? Double.MAX_VALUE : hh / Math.abs(d.getY()));
        return centre.add(d.multiply(t));
    }

    private static String describe(Arc a) {
        return switch (a.effect()) {
            case OPENS_SAVE_FD -> "Begins saving: the SET returns a new data_fd to read the device state from.";
            case OPENS_RESUME_FD -> "Begins resuming: the SET returns a new data_fd to write the saved state to.";
            case CONTINUES_FD -> "Stays in the saving group: the same data_fd goes on streaming.";
            case ENDS_SAVE -> "Ends the saving session: the data_fd is done.";
            case ENDS_RESUME -> "The driver loads and validates what was written to the data_fd.";
            case NONE -> "No data transfer session is involved.";
        };
    }

    private void onKey(KeyEvent e) {
        String t = e.getText();
        if (t != null && t.length() == 1 && Character.isDigit(t.charAt(0)) && !e.isShortcutDown()) {
            MigState.fromAbi(t.charAt(0) - '0').ifPresent(s -> {
                onTarget.accept(s);
                e.consume();
            });
        }
    }

    private void refresh() {
        GraphHighlight h = GraphHighlight.of(features.get(), current.get(), hovered.get());
        for (MigState s : MigState.values()) {
            String id = GraphHighlight.stateId(s);
            apply(stateNodes.get(s), h, id);
            Integer step = h.steps().get(id);
            if (step != null || stateBadges.containsKey(s)) {
                showStep(stateBadge(s), step);
            }
        }
        for (Map.Entry<String, ArcShape> e : arcNodes.entrySet()) {
            apply(e.getValue(), h, e.getKey());
            Integer step = h.steps().get(e.getKey());
            if (step != null || arcBadges.containsKey(e.getKey())) {
                Label number = arcBadge(e.getKey());
                showStep(number, step);
                number.getParent().setVisible(step != null);
            }
            if (step != null) {
                e.getValue().toFront();
            }
        }
        caption.setText(hovered.get() == null && idleCaption != null ? idleCaption : h.caption());
        caption.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("refused"),
                h.preview().map(p -> p.isRefused()).orElse(false));
        highlight = h;
    }

    private static void showStep(Label badge, Integer step) {
        badge.setVisible(step != null);
        badge.setText(step == null ? "" : Integer.toString(step));
    }

    /**
     * Sets a node's highlight classes only when they differ: any change of a style class list
     * restyles that node's subtree in the next CSS pass, and a state change alters a handful of
     * the graph's some fifty nodes, so the pulse that shows it restyles only those.
     */
    private static void apply(Node n, GraphHighlight h, String id) {
        Set<String> want = h.classesOf(id);
        List<String> has = n.getStyleClass().stream().filter(GraphHighlight.ALL_CLASSES::contains).toList();
        if (has.size() == want.size() && want.containsAll(has)) {
            return;
        }
        n.getStyleClass().removeAll(GraphHighlight.ALL_CLASSES);
        n.getStyleClass().addAll(want);
    }

    /** Lights an arc for a moment while the device takes it. */
    public void flash(Arc a) {
        ArcShape arc = arcNodes.get(a.id());
        if (arc == null) {
            return;
        }
        arc.getStyleClass().add("active");
        PauseTransition off = new PauseTransition(Duration.millis(600));
        off.setOnFinished(ev -> arc.getStyleClass().remove("active"));
        off.play();
    }

    @Override
    protected void layoutChildren() {
        double w = getWidth() - snappedLeftInset() - snappedRightInset();
        double h = getHeight() - snappedTopInset() - snappedBottomInset();
        double captionH = caption.prefHeight(w);
        double s = Math.max(0.2, Math.min(w / GraphLayout.WIDTH, (h - captionH) / GraphLayout.HEIGHT));
        scale.setX(s);
        scale.setY(s);
        double x = snappedLeftInset() + (w - GraphLayout.WIDTH * s) / 2;
        double y = snappedTopInset() + captionH + (h - captionH - GraphLayout.HEIGHT * s) / 2;
        content.setLayoutX(x);
        content.setLayoutY(y);
        caption.resizeRelocate(snappedLeftInset(), snappedTopInset(), w, captionH);
    }

    @Override
    protected double computePrefWidth(double height) {
        return GraphLayout.WIDTH + snappedLeftInset() + snappedRightInset();
    }

    @Override
    protected double computePrefHeight(double width) {
        return GraphLayout.HEIGHT + 30 + snappedTopInset() + snappedBottomInset();
    }

    @Override
    protected double computeMinWidth(double height) {
        return 300;
    }

    @Override
    protected double computeMinHeight(double width) {
        return 180;
    }

    public ObjectProperty<MigFeatures> featuresProperty() {
        return features;
    }

    public ObjectProperty<MigState> currentProperty() {
        return current;
    }

    /** The state the user points at (also settable, for keyboard previews and tests). */
    public ObjectProperty<MigState> hoveredProperty() {
        return hovered;
    }

    /** What the graph shows now. */
    public GraphHighlight highlight() {
        return highlight;
    }

    /** Called with the state the user asks for (click or its ABI digit). */
    public void setOnTarget(Consumer<MigState> handler) {
        this.onTarget = handler == null ? s -> { } : handler;
    }

    /** What the caption says while nothing is pointed at (null: the device's state). */
    public void setIdleCaption(String text) {
        idleCaption = text;
        refresh();
    }

    /** The caption: the previewed path or the refusal reason. */
    public String captionText() {
        return caption.getText();
    }
}

package dev.migscope.ui.mainwindow;

import dev.migscope.ui.common.FileDialogs;
import dev.migscope.ui.common.Png;
import dev.migscope.ui.log.EventLogView;
import java.io.IOException;
import java.nio.file.Path;
import javafx.scene.Node;

/** PNG export of the graph and of the charts, as the window shows them. FX thread (snapshots need it). */
public final class ExportController {

    public static final String GRAPH = "export-graph";
    public static final String CHARTS = "export-charts";

    private final Node graph;
    private final Node charts;
    private final EventLogView log;

    public ExportController(Node graph, Node charts, EventLogView log) {
        this.graph = graph;
        this.charts = charts;
        this.log = log;
    }

    public void chooseAndExportGraph() {
        FileDialogs.save(graph, "Export graph", "migscope-graph.png").ifPresent(this::exportGraph);
    }

    public void chooseAndExportCharts() {
        FileDialogs.save(charts, "Export charts", "migscope-charts.png").ifPresent(this::exportCharts);
    }

    public void exportGraph(Path file) {
        export(graph, file, "graph");
    }

    public void exportCharts(Path file) {
        export(charts, file, "charts");
    }

    private void export(Node node, Path file, String what) {
        try {
            Png.write(node, file);
            log.note(what + " exported to " + file);
        } catch (IOException e) {
            log.problem(what + " not exported: " + e.getMessage());
        }
    }

    public void publishTo(Commands commands) {
        commands.publish(new Commands.Command(GRAPH, "Export graph as PNG\u2026", "Shortcut+G",
                "Export the FSM graph as PNG (Ctrl+G)", false, this::chooseAndExportGraph));
        commands.publish(new Commands.Command(CHARTS, "Export charts as PNG\u2026", "Shortcut+Shift+G",
                "Export the charts as PNG (Ctrl+Shift+G)", false, this::chooseAndExportCharts));
    }
}

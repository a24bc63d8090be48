package dev.migscope.ui;

import dev.migscope.ui.charts.ChartsPane;
import dev.migscope.ui.conform.ConformanceView;
import dev.migscope.ui.devices.DeviceListView;
import dev.migscope.ui.graph.FsmGraphView;
import dev.migscope.ui.log.EventLogView;
import dev.migscope.ui.teaching.TeachingView;
import javafx.scene.Node;
import javafx.scene.control.TabPane;

/**
 * The window's parts as its tests reach them: looked up in its scene by the ids the parts give
 * themselves, where a user finds them on screen; a test then drives the part by its own API.
 */
final class WindowParts {

    private WindowParts() {
    }

    static DeviceListView devices(InspectorWindow w) {
        return part(w, "#device-list", DeviceListView.class);
    }

    static FsmGraphView graph(InspectorWindow w) {
        return part(w, "#fsm-graph", FsmGraphView.class);
    }

    static ChartsPane charts(InspectorWindow w) {
        return part(w, "#charts", ChartsPane.class);
    }

    static EventLogView log(InspectorWindow w) {
        return part(w, "#event-log", EventLogView.class);
    }

    /** The Teaching tab's view, the tab selected first as a click on it would: it is built when first shown. FX thread. */
    static TeachingView teaching(InspectorWindow w) {
        selectTab(w, "Teaching view");
        return part(w, "#teaching-view", TeachingView.class);
    }

    /** The Conformance tab's view, the tab selected first as a click on it would. FX thread. */
    static ConformanceView conformance(InspectorWindow w) {
        selectTab(w, "Conformance");
        return part(w, "#conformance", ConformanceView.class);
    }

    private static void selectTab(InspectorWindow w, String title) {
        TabPane tabs = part(w, "#tabs", TabPane.class);
        tabs.getSelectionModel().select(tabs.getTabs().stream().filter(t -> t.getText().startsWith(title))
                .findFirst().orElseThrow(() -> new AssertionError("no tab " + title + " in the window")));
    }

    private static <T extends Node> T part(InspectorWindow w, String selector, Class<T> type) {
        Node n = w.scene().lookup(selector);
        if (!type.isInstance(n)) {
            throw new AssertionError(selector + " is no " + type.getSimpleName() + " in the window: " + n);
        }
        return type.cast(n);
    }
}

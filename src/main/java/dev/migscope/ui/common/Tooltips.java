package dev.migscope.ui.common;

import java.util.function.Supplier;
import javafx.event.EventHandler;
import javafx.scene.Node;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseEvent;
import javafx.util.Duration;

/**
 * Tooltips built when the pointer first enters their node: a Tooltip is a popup window, and
 * building one per state, arc and button up front was a visible share of the window's first
 * frame. The tooltip's own mouse handling starts its show delay from the moves that follow.
 */
public final class Tooltips {

    private Tooltips() {
    }

    /** A short tooltip (buttons, menus' twins on the toolbar). */
    public static void install(Node node, String text) {
        onHover(node, () -> text, false);
    }

    /** A wrapped tooltip whose text is computed when first needed (the graph's states and arcs). */
    public static void installLong(Node node, Supplier<String> text) {
        onHover(node, text, true);
    }

    private static void onHover(Node node, Supplier<String> text, boolean wrapped) {
        EventHandler<MouseEvent> install = new EventHandler<>() {
            @Override
            public void handle(MouseEvent e) {
                node.removeEventHandler(MouseEvent.MOUSE_ENTERED, this);
                Tooltip tip = new Tooltip(text.get());
                if (wrapped) {
                    tip.setWrapText(true);
                    tip.setMaxWidth(380);
                    tip.setShowDelay(Duration.millis(350));
                }
                Tooltip.install(node, tip);
            }
        };
        node.addEventHandler(MouseEvent.MOUSE_ENTERED, install);
    }
}

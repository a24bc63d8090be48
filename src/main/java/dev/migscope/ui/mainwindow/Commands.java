package dev.migscope.ui.mainwindow;

import java.util.HashMap;
import java.util.Map;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.MenuItem;

/**
 * The commands the window's parts publish, by id: each part publishes its own, and the menus and
 * the toolbar ({@link ActionsController}) lay them out by id, so no part takes another. A part
 * whose command keeps state of its own (a toggle, a submenu, a whole menu) publishes the control
 * itself. FX thread.
 */
public final class Commands {

    /**
     * One command.
     *
     * @param text        its menu text
     * @param accelerator its key combination ({@code Shortcut+S}), or null
     * @param tip         its toolbar tooltip (with the accelerator spelled out)
     * @param driving     whether it needs a device that can be driven (disabled while there is none)
     */
    public record Command(String id, String text, String accelerator, String tip, boolean driving, Runnable action) {
    }

    private final Map<String, Command> commands = new HashMap<>();
    private final Map<String, MenuItem> items = new HashMap<>();
    private final Map<String, ButtonBase> buttons = new HashMap<>();

    public void publish(Command c) {
        once(commands.put(c.id(), c), c.id());
    }

    /** A menu entry that is more than a command: a part's toggle, a submenu, its own menu. */
    public void publish(String id, MenuItem item) {
        once(items.put(id, item), id);
    }

    /** A toolbar control that is more than a command: a part's toggle. */
    public void publish(String id, ButtonBase button) {
        once(buttons.put(id, button), id);
    }

    Command command(String id) {
        return found(commands.get(id), id);
    }

    MenuItem item(String id) {
        return found(items.get(id), id);
    }

    ButtonBase button(String id) {
        return found(buttons.get(id), id);
    }

    private static void once(Object earlier, String id) {
        if (earlier != null) {
            throw new IllegalStateException("the command " + id + " is published twice");
        }
    }

    /** The menus name each command the window has: one that no part published is a mistake in the window's build. */
    private static <T> T found(T t, String id) {
        if (t == null) {
            throw new IllegalStateException("no part of the window published the command " + id);
        }
        return t;
    }
}

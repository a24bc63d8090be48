package dev.migscope.ui.common;

import javafx.scene.Node;

/** Work a part of the window does at each pulse of the scene it is in. */
public final class Pulses {

    private Pulses() {
    }

    /**
     * Runs {@code r} on the FX thread before the CSS and layout of each pulse of {@code owner}'s
     * scene, whichever scene that is, from when it is in one.
     */
    public static void beforeEachLayout(Node owner, Runnable r) {
        owner.sceneProperty().addListener((o, was, now) -> {
            if (was != null) {
                was.removePreLayoutPulseListener(r);
            }
            if (now != null) {
                now.addPreLayoutPulseListener(r);
            }
        });
    }
}

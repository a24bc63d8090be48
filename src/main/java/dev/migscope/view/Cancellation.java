package dev.migscope.view;

import java.util.concurrent.atomic.AtomicBoolean;

/** Set from any thread; a save or resume checks it between chunks and unwinds cleanly. */
public final class Cancellation {
    private final AtomicBoolean cancelled = new AtomicBoolean();

    public void cancel() {
        cancelled.set(true);
    }

    public boolean isCancelled() {
        return cancelled.get();
    }
}

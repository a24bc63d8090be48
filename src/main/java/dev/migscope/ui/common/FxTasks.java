package dev.migscope.ui.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javafx.application.Platform;

/**
 * The window's one way to work off the FX thread and come back to it. Blocking work that is no
 * device call (a scan, a close, a file) runs on one daemon thread; device calls already run on
 * their session's device thread. Either way {@link #onFx} hands the outcome to the FX thread, so
 * whatever is chained on the returned future runs there and may touch the scene.
 */
public final class FxTasks {

    /** Runs a task on the FX thread, after what is already queued there. */
    public static final Executor FX = Platform::runLater;

    private final ExecutorService background;

    /** @param threadName the name of the daemon thread blocking work runs on */
    public FxTasks(String threadName) {
        background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs blocking {@code work} in the background; the future completes on the FX thread. */
    public <T> CompletableFuture<T> supply(Supplier<T> work) {
        return onFx(CompletableFuture.supplyAsync(work, background));
    }

    /** Runs blocking {@code work} in the background and forgets it (a close nobody waits for). */
    public void execute(Runnable work) {
        background.execute(work);
    }

    /** Lets the work already submitted finish and takes no more. */
    public void shutdown() {
        background.shutdown();
    }

    /** {@code f}'s outcome, completed on the FX thread: stages chained on the result run there. */
    public static <T> CompletableFuture<T> onFx(CompletableFuture<T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        f.whenComplete((r, err) -> FX.execute(() -> {
            if (err != null) {
                out.completeExceptionally(err);
            } else {
                out.complete(r);
            }
        }));
        return out;
    }

    /**
     * A sink any thread may feed many times a second (progress of a save): the FX thread gets the
     * newest value, with at most one hand-over queued at a time, so a fast producer never floods it.
     */
    public static <T> Consumer<T> latest(Consumer<T> onFx) {
        AtomicReference<T> newest = new AtomicReference<>();
        AtomicBoolean queued = new AtomicBoolean();
        return v -> {
            newest.set(v);
            if (queued.compareAndSet(false, true)) {
                FX.execute(() -> {
                    queued.set(false);
                    onFx.accept(newest.get());
                });
            }
        };
    }
}

package dev.migscope.view;

import dev.migscope.device.IovaRange;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigState;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The driving half of a {@link DeviceView}. Every state change goes through the one transition
 * path behind it and comes back as one {@link TransitionResult}; nothing reaches the device unless
 * the view is armed.
 */
public interface DeviceControl {

    boolean isArmed();

    /** Arms or disarms: nothing changes the device unless it is armed. */
    void setArmed(boolean armed);

    CompletableFuture<TransitionResult> transition(MigState target);

    /** VFIO_DEVICE_RESET: the only way out of ERROR. */
    CompletableFuture<TransitionResult> reset();

    CompletableFuture<StreamResult> save(Path file, MigState then, Progress progress, Cancellation cancel);

    CompletableFuture<StreamResult> resume(Path file, MigState then, Progress progress, Cancellation cancel);

    boolean isDmaLoggingSupported();

    boolean isDmaLogging();

    CompletableFuture<Optional<VfioError>> startDmaLogging(long pageSize, List<IovaRange> ranges);

    CompletableFuture<Optional<VfioError>> stopDmaLogging();

    /** Fault injection and workload controls when the device is simulated. */
    Optional<SimulationControls> simulation();

    CompletableFuture<Void> simulate(Consumer<SimulationControls> action);
}

package dev.migscope.qemu;

import dev.migscope.fsm.MigState;
import java.util.List;

/**
 * A state a device reached, as QEMU's VFIO_MIGRATION event said.
 *
 * @param state       the uAPI state
 * @param qapiName    QEMU's spelling in the event
 * @param startMicros QEMU's timestamp of the event, microseconds since the epoch
 * @param kernelSteps states the kernel passed on the way here (see {@link KernelPath})
 */
public record StateSpan(MigState state, String qapiName, long startMicros, List<MigState> kernelSteps) {
    public StateSpan {
        kernelSteps = List.copyOf(kernelSteps);
    }
}

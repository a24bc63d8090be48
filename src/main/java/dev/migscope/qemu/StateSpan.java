package dev.migscope.qemu;

import dev.migscope.fsm.MigState;
import java.util.List;

/**
 * A state a device reached, as QEMU's VFIO_MIGRATION event said, or as the kernel's debugfs showed
 * when QEMU sends no such event for the device.
 *
 * @param state       the uAPI state
 * @param qapiName    QEMU's spelling in the event; null when polled
 * @param startMicros QEMU's timestamp of the event, or the host's clock at the poll, microseconds since the epoch
 * @param kernelSteps states the kernel passed on the way here (see {@link KernelPath}); empty when polled
 * @param polled      true when read from debugfs: states between two polls are not seen
 */
public record StateSpan(MigState state, String qapiName, long startMicros, List<MigState> kernelSteps,
        boolean polled) {
    public StateSpan {
        kernelSteps = List.copyOf(kernelSteps);
    }
}

package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Errno;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * A simulated device's controls on another host: each call is one {@code simulate} request, run
 * there on the device thread, and returns when the reply is here. So a call blocks for a round
 * trip: {@link RemoteDevice#simulate} runs its action on a thread of its own. A failed request (the
 * connection lost) is thrown as a {@link CompletionException} around its {@link VfioException}, which
 * simulate()'s future then completes with, as a local simulate()'s does with what its action threw.
 */
final class RemoteSimulation implements SimulationControls {

    private final RemoteDevice device;

    RemoteSimulation(RemoteDevice device) {
        this.device = device;
    }

    @Override
    public void injectFault(Arc arc, Errno errno, boolean leaveInError) {
        control(Protocol.INJECT_FAULT, device.args().put("from", arc.from().name()).put("to", arc.to().name())
                .put("errno", errno.name()).put("leave_in_error", leaveInError));
    }

    @Override
    public void clearFaults() {
        control(Protocol.CLEAR_FAULTS, device.args());
    }

    @Override
    public void setSetStateDelay(Duration delay) {
        control(Protocol.SET_STATE_DELAY, device.args().put("nanos", delay.toNanos()));
    }

    @Override
    public void setDirtyRate(long bytesPerSecond) {
        control(Protocol.DIRTY_RATE, device.args().put("bytes_per_second", bytesPerSecond));
    }

    @Override
    public void setLinkBandwidth(long bytesPerSecond) {
        control(Protocol.LINK_BANDWIDTH, device.args().put("bytes_per_second", bytesPerSecond));
    }

    @Override
    public void unplug() {
        control(Protocol.UNPLUG, device.args());
    }

    @Override
    public long stateDigest() {
        return control(Protocol.STATE_DIGEST, device.args(), r -> Codec.integer(r, "digest"));
    }

    private void control(String control, ObjectNode args) {
        control(control, args, r -> r);
    }

    private <T> T control(String control, ObjectNode args, Function<JsonNode, T> decode) {
        try {
            return device.call(Protocol.SIMULATE, args.put("control", control), decode);
        } catch (VfioException e) {
            throw new CompletionException(e);
        }
    }
}

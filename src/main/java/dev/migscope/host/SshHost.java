package dev.migscope.host;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.VfioException;
import dev.migscope.qemu.AttachCodec;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import dev.migscope.remote.RemoteDevice;
import dev.migscope.remote.RemoteHost;
import dev.migscope.remote.RemoteOptions;
import dev.migscope.session.SessionOptions;
import dev.migscope.session.TransitionMode;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Another machine, reached over ssh through its agent. {@link RemoteHost} carries the protocol
 * and knows nothing of sessions or QEMU; this is where a session's options become the far side's
 * and an attach's values are read from what crossed ({@link AttachCodec}).
 */
public final class SshHost implements Host {

    private final RemoteHost remote;
    private final boolean sim;

    /** @param sim whether that host always lists its simulated devices (the CLI's {@code --sim}) */
    public SshHost(RemoteHost remote, boolean sim) {
        this.remote = remote;
        this.sim = sim;
    }

    /** How the far side opens a device for a session's options: the one mapping of them. */
    public static RemoteOptions options(SessionOptions o, boolean sim, boolean watchIfBusy) {
        return new RemoteOptions(sim, o.armed(), o.mode() == TransitionMode.KERNEL, o.sampleInterval(),
                o.historyCapacity(), o.precopyMax(), o.precopyThreshold(), watchIfBusy);
    }

    @Override
    public String name() {
        return remote.target().display();
    }

    @Override
    public String kernel() {
        return remote.kernel();
    }

    @Override
    public String migscopeVersion() {
        return remote.farVersion();
    }

    @Override
    public Optional<String> lost() {
        return remote.lost();
    }

    @Override
    public List<DeviceInfo> devices() throws VfioException {
        return remote.list(sim);
    }

    @Override
    public RemoteDevice open(String id, SessionOptions options, boolean watchIfBusy) throws VfioException {
        return remote.open(id, options(options, sim, watchIfBusy));
    }

    @Override
    public ConformReply conform(String id, String peer, int repeats, long maxStreamBytes, boolean json)
            throws VfioException {
        RemoteHost.ConformReply r = remote.conform(id, peer, repeats, maxStreamBytes, json, sim);
        return new ConformReply(r.report(), r.failed());
    }

    /** A connection lost midway is the result {@link AttachRun.Ending#LOST}, with the last report pushed. */
    @Override
    public AttachRun.Result attach(AttachRun.Options options, Consumer<Observation> observer) throws VfioException {
        RemoteHost.AttachReply r = remote.attach(AttachCodec.options(options), sim,
                j -> observer.accept(AttachCodec.observation(j)));
        return r.lost() == null ? AttachCodec.result(r.result()) : AttachCodec.lost(r.lost(), r.lastReport());
    }

    @Override
    public void close() {
        remote.close();
    }
}

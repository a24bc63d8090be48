package dev.migscope.host;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.libvirt.LibvirtLink;
import dev.migscope.device.VfioException;
import dev.migscope.qemu.AttachCodec;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.QemuLink;
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
    public String libvirtUri() {
        return "qemu+ssh://" + name() + "/system";
    }

    /**
     * Through libvirt's own remote transport ({@code qemu+ssh://HOST/system} unless {@code uri} says
     * otherwise), from here: libvirt forwards the events over its ssh link. The far side's host
     * devices are not mapped (their listing is the agent's); the domains' hostdevs are shown as the
     * domain XML names them.
     */
    @Override
    public AttachRun.Result attachLibvirt(String uri, List<String> domains, AttachRun.Options options,
            Consumer<Observation> observer) throws InterruptedException {
        String u = uri == null ? libvirtUri() : uri;
        List<QemuLink.Target> targets = domains.stream()
                .map(d -> new QemuLink.Target(LibvirtLink.where(d, u), LibvirtLink.opener(u, d))).toList();
        try (AttachRun run = new AttachRun(options, targets, new DeviceRegistry(List.of(), List.of(), false),
                observer)) {
            return run.run();
        }
    }

    @Override
    public void close() {
        remote.close();
    }
}

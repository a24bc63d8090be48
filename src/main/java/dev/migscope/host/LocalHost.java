package dev.migscope.host;

import dev.migscope.conform.ConformanceOptions;
import dev.migscope.conform.ConformanceReport;
import dev.migscope.conform.ConformanceRun;
import dev.migscope.conform.ReportJson;
import dev.migscope.conform.ReportText;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.libvirt.LibvirtLink;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.QemuLink;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceView;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** This machine: its devices through the one {@link DeviceRegistry}, opened as {@link MigrationSession}s. */
public final class LocalHost implements Host {

    /** How this machine is named beside the hosts reached over ssh. */
    public static final String NAME = "this host";

    private final DeviceRegistry registry;
    private final String version;

    public LocalHost(DeviceRegistry registry, String version) {
        this.registry = registry;
        this.version = version;
    }

    public DeviceRegistry registry() {
        return registry;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String kernel() {
        return System.getProperty("os.version");
    }

    @Override
    public String migscopeVersion() {
        return version;
    }

    @Override
    public Optional<String> lost() {
        return Optional.empty();
    }

    @Override
    public List<DeviceInfo> devices() {
        return registry.list();
    }

    @Override
    public Optional<DeviceInfo> find(String id) {
        return registry.find(id);
    }

    @Override
    public DeviceView open(String id, SessionOptions options, boolean watchIfBusy) throws VfioException {
        try {
            return MigrationSession.open(registry, id, options);
        } catch (VfioException e) {
            if (!watchIfBusy || !e.error().is(Errno.EBUSY)) {
                throw e;
            }
            try {
                return MigrationSession.watch(registry, id, options);
            } catch (VfioException w) {
                VfioError busy = e.error();
                throw new VfioException(new VfioError(busy.errno(), busy.call(), busy.deviceId(), busy.message()
                        + "; a passive watch is not possible either: " + w.error().message()));
            }
        }
    }

    @Override
    public ConformReply conform(String id, String peer, int repeats, long maxStreamBytes, boolean json)
            throws VfioException {
        ConformanceReport r = new ConformanceRun(registry, id, peer, new ConformanceOptions(repeats, maxStreamBytes))
                .run();
        return new ConformReply(json ? ReportJson.toJson(r) + "\n" : ReportText.format(r), r.hasFailures());
    }

    @Override
    public AttachRun.Result attach(AttachRun.Options options, Consumer<Observation> observer)
            throws InterruptedException {
        try (AttachRun run = attachRun(options, observer)) {
            return run.run();
        }
    }

    /** The attach {@link #attach} runs, for a caller that follows it while it runs ({@code attach --tap}). */
    public AttachRun attachRun(AttachRun.Options options, Consumer<Observation> observer) {
        return new AttachRun(options, registry, observer);
    }

    @Override
    public String libvirtUri() {
        return LibvirtLink.DEFAULT_URI;
    }

    @Override
    public AttachRun.Result attachLibvirt(String uri, List<String> domains, AttachRun.Options options,
            Consumer<Observation> observer) throws InterruptedException {
        try (AttachRun run = attachLibvirtRun(uri, domains, options, observer)) {
            return run.run();
        }
    }

    /** The attach {@link #attachLibvirt} runs, for a caller that follows it while it runs. */
    public AttachRun attachLibvirtRun(String uri, List<String> domains, AttachRun.Options options,
            Consumer<Observation> observer) {
        String u = uri == null ? libvirtUri() : uri;
        List<QemuLink.Target> targets = domains.stream()
                .map(d -> new QemuLink.Target(LibvirtLink.where(d, u), LibvirtLink.opener(u, d))).toList();
        return new AttachRun(options, targets, registry, observer);
    }

    /** The sessions opened here are their owners' to close; the registry holds nothing open. */
    @Override
    public void close() {
        // nothing held
    }
}

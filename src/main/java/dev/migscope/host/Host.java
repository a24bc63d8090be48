package dev.migscope.host;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.VfioException;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceView;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A machine whose devices and QEMUs a front end shows: this one, or one reached over ssh. The CLI
 * and the window run a command against a host and never ask which kind it is; the views it opens
 * say the rest ({@link DeviceView#hostName()}, {@link DeviceView#lost()}).
 */
public interface Host extends AutoCloseable {

    /** As the user named it: {@link LocalHost#NAME} for this machine, {@code [USER@]HOST[:PORT]} for another. */
    String name();

    /** The kernel release there ({@code uname -r}). */
    String kernel();

    /** The migscope version there. */
    String migscopeVersion();

    /** Why the connection to the host ended, or empty while it holds (always, for this machine). */
    Optional<String> lost();

    /** The VFIO devices there (and the simulated ones, as the host was asked for at connect). */
    List<DeviceInfo> devices() throws VfioException;

    default Optional<DeviceInfo> find(String id) throws VfioException {
        return devices().stream().filter(d -> d.id().equals(id)).findFirst();
    }

    /**
     * Opens {@code id} there as a driven view; with {@code watchIfBusy}, a device another process
     * holds (EBUSY) is watched passively instead, as far as that host can (debugfs). The view lives
     * until closed, or until the host's connection ends.
     */
    DeviceView open(String id, SessionOptions options, boolean watchIfBusy) throws VfioException;

    /** A conformance report as text or JSON, and whether a rule failed. */
    record ConformReply(String report, boolean failed) {
    }

    /** Runs the conformance checks there, next to the device: its latencies are the device's, not the link's. */
    ConformReply conform(String id, String peer, int repeats, long maxStreamBytes, boolean json)
            throws VfioException;

    /**
     * One {@code migscope attach} there, on QMP sockets there; each observation is handed to
     * {@code observer} in the order it was seen. A connection lost midway is a result
     * ({@link AttachRun.Ending#LOST}) with the report so far.
     */
    AttachRun.Result attach(AttachRun.Options options, Consumer<Observation> observer)
            throws VfioException, InterruptedException;

    /**
     * The libvirt URI of this host's system daemon: {@code qemu:///system} here,
     * {@code qemu+ssh://HOST/system} (libvirt's own transport) for a host over ssh.
     */
    String libvirtUri();

    /**
     * One {@code migscope attach --libvirt}: the domains the libvirt daemon at {@code uri} runs
     * (null: {@link #libvirtUri()}), followed as {@link #attach} follows QMP sockets.
     */
    AttachRun.Result attachLibvirt(String uri, List<String> domains, AttachRun.Options options,
            Consumer<Observation> observer) throws VfioException, InterruptedException;

    /** Lets go of the host: views opened there are gone, a connection is ended. */
    @Override
    void close();
}

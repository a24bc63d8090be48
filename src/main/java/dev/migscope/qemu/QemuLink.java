package dev.migscope.qemu;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Owner;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where an {@link AttachedQemu}'s observations come from: QEMU's own QMP socket ({@link QmpLink}),
 * or the daemon that owns QEMU's monitor and forwards its events (libvirt). A link hands over QMP
 * events as QEMU sent them and the migration's figures when asked; {@link AttachedQemu} decodes
 * both the same way, whichever link brought them.
 */
public interface QemuLink extends AutoCloseable {

    /**
     * Opens a link; {@code timeout} bounds the far side's greeting and each answer; {@code registry}
     * is the host's devices, where QEMU's process may be found.
     */
    @FunctionalInterface
    interface Opener {
        QemuLink open(Duration timeout, DeviceRegistry registry) throws QmpException;
    }

    /** One QEMU to attach to: how it is named until its link is open, and how to open it. */
    record Target(String where, Opener opener) {

        /** QEMU's own QMP socket. */
        public static Target socket(java.nio.file.Path socket) {
            return new Target(socket.toString(), QmpLink.opener(socket));
        }
    }

    /**
     * What the link knows once connected.
     *
     * @param name         the VM's name (QEMU's -name, libvirt's domain), else what the link is reached by
     * @param runState     QAPI's RunState ({@link QemuBounds#RUN_STATES})
     * @param statusEvents true when QEMU sends MIGRATION events (the migration capability "events")
     * @param process      QEMU's process when the link knows it, else null
     * @param blocked      QEMU's blocked-reasons (query-migrate): why a migration would be refused now;
     *                     empty when none, or when the link cannot ask (libvirt says them only on refusal)
     */
    record Identity(String name, QemuVersion version, String runState, boolean statusEvents, MigrationInfo info,
            List<VfioPciDevice> devices, Owner process, List<String> blocked) {

        public Identity {
            devices = List.copyOf(devices);
            blocked = List.copyOf(blocked);
        }
    }

    /**
     * The socket's path, or {@code domain NAME (URI)}: how errors, the report and the window name
     * what was attached to.
     */
    String where();

    /** {@code qmp} or {@code libvirt}: the report's source member. */
    String kind();

    /**
     * Subscribes: every event QEMU sends from now on goes to {@code events}, in QEMU's order, then
     * {@code closed} once with why the link ended. Both may be called on any thread; neither blocks.
     */
    Identity connect(Consumer<QmpEvent> events, Consumer<QmpError> closed, Consumer<String> warn) throws QmpException;

    /**
     * The migration's figures now. Completes after every event the far side sent before it is
     * handed over, so a poll never overtakes an event that preceded it.
     */
    CompletableFuture<MigrationInfo> poll();

    /**
     * The migration's final figures once the link ended, when the far side keeps them beyond QEMU
     * (libvirt's completed job); empty for QMP, whose figures end with QEMU.
     */
    default Optional<MigrationInfo> lastFigures() {
        return Optional.empty();
    }

    /** QEMU's downtime-limit in ms now, or null when it cannot be read. */
    Long downtimeLimitMs();

    /** QEMU's vfio-pci devices, listed again (an event named one the first listing did not have). */
    List<VfioPciDevice> devices() throws QmpException;

    /**
     * Each device's guest PCI path by its qdev id ({@link PciPaths}), what QEMU names its migration
     * sections by; empty when the link cannot ask (libvirt forwards no query-pci) or QEMU would not say.
     */
    default java.util.Map<String, String> pciPaths() {
        return java.util.Map.of();
    }

    /** Ends the link for what the far side sent (past a bound): {@code closed} is told why. */
    void drop(QmpError why);

    boolean isClosed();

    /** The sentence that turns a device's VFIO_MIGRATION events on, in this link's terms. */
    String migrationEventsFix(VfioPciDevice device);

    /** Why {@link #migrate} would not send this destination URI, or empty when it would. */
    Optional<String> uriRefusal(String uri);

    /** Starts a migration to {@code uri}; returns the command (QMP's, or libvirt's call) that was sent. */
    String migrate(String uri) throws QmpException;

    /** Cancels the running migration; returns the command sent. */
    String cancel() throws QmpException;

    /** What setting downtime-limit sent, and the value QEMU holds after it (null when not read back). */
    record Sent(String command, Long nowMs) {
    }

    Sent setDowntimeLimit(long ms) throws QmpException;

    /** The run state now. */
    String runState() throws QmpException;

    /** The migration's status now ({@code none} before any). */
    String migrationStatus() throws QmpException;

    @Override
    void close();
}

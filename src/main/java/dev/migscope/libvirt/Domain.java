package dev.migscope.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/** One domain of a {@link Connection} (a virDomainPtr, freed on close). */
public final class Domain implements AutoCloseable {

    /** virDomainState. */
    public enum State {
        NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED;

        static State of(int n) throws LibvirtException {
            if (n < 0 || n >= values().length) {
                throw new LibvirtException(LibvirtException.Kind.LIMIT, "libvirt reports domain state " + n
                        + ", not one of virDomainState's");
            }
            return values()[n];
        }
    }

    /** A state and its reason (virDomainPausedReason etc., by number). */
    public record StateReason(State state, int reason) {
    }

    /** virDomainPausedReason VIR_DOMAIN_PAUSED_MIGRATION. */
    static final int PAUSED_MIGRATION = 2;
    /** virDomainJobOperation VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN. */
    static final long OPERATION_MIGRATION_IN = 3;

    final Connection connection;
    final Pointer dom;
    private final Virt virt;

    Domain(Connection connection, Pointer dom) {
        this.connection = connection;
        this.dom = dom;
        this.virt = connection.virt;
    }

    public String name() throws LibvirtException {
        String n = virt.string(virt.lib.virDomainGetName(dom), 1024, "a domain name");
        if (n == null) {
            throw virt.lastError("virDomainGetName");
        }
        return n;
    }

    public StateReason state() throws LibvirtException {
        IntByReference state = new IntByReference();
        IntByReference reason = new IntByReference();
        if (virt.lib.virDomainGetState(dom, state, reason, 0) < 0) {
            throw virt.lastError("virDomainGetState");
        }
        return new StateReason(State.of(state.getValue()), reason.getValue());
    }

    /** The live XML (virDomainGetXMLDesc, flags 0: no secrets), bounded. */
    public DomainXml xml() throws LibvirtException {
        Pointer p = virt.lib.virDomainGetXMLDesc(dom, 0);
        if (p == null) {
            throw virt.lastError("virDomainGetXMLDesc");
        }
        return DomainXml.parse(virt.ownedString(p, DomainXml.MAX_BYTES, "a domain XML"));
    }

    /** virDomainGetJobStats: the running job's, or with {@code completed} the last completed job's. */
    public JobStats jobStats(boolean completed) throws LibvirtException {
        IntByReference type = new IntByReference();
        PointerByReference params = new PointerByReference();
        IntByReference n = new IntByReference();
        int flags = completed ? Virt.VIR_DOMAIN_JOB_STATS_COMPLETED | Virt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED : 0;
        if (virt.lib.virDomainGetJobStats(dom, type, params, n, flags) < 0) {
            throw virt.lastError("virDomainGetJobStats");
        }
        try {
            return JobStats.read(virt, type.getValue(), params.getValue(), n.getValue());
        } finally {
            if (params.getValue() != null) {
                virt.lib.virTypedParamsFree(params.getValue(), n.getValue());
            }
        }
    }

    /** virDomainMigrateGetMaxDowntime: QEMU's downtime-limit, ms. */
    public long maxDowntimeMs() throws LibvirtException {
        LongByReference v = new LongByReference();
        if (virt.lib.virDomainMigrateGetMaxDowntime(dom, v, 0) < 0) {
            throw virt.lastError("virDomainMigrateGetMaxDowntime");
        }
        return v.getValue();
    }

    public void setMaxDowntimeMs(long ms) throws LibvirtException {
        if (virt.lib.virDomainMigrateSetMaxDowntime(dom, ms, 0) < 0) {
            throw virt.lastError("virDomainMigrateSetMaxDowntime");
        }
    }

    /**
     * virDomainMigrateToURI3 to a libvirt destination URI, live and peer to peer (the source's
     * libvirtd reaches the destination's): returns when the migration is over.
     */
    public void migrate(String destinationUri) throws LibvirtException {
        if (virt.lib.virDomainMigrateToURI3(dom, destinationUri, null, 0,
                Virt.VIR_MIGRATE_LIVE | Virt.VIR_MIGRATE_PEER2PEER) < 0) {
            throw virt.lastError("virDomainMigrateToURI3");
        }
    }

    /** virDomainAbortJob: cancels the running migration (or save). */
    public void abortJob() throws LibvirtException {
        if (virt.lib.virDomainAbortJob(dom) < 0) {
            throw virt.lastError("virDomainAbortJob");
        }
    }

    @Override
    public void close() {
        virt.lib.virDomainFree(dom);
    }
}

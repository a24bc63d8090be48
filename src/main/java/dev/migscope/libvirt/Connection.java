package dev.migscope.libvirt;

import com.sun.jna.Pointer;
import com.sun.jna.Native;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.migscope.qemu.QemuVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to a libvirt daemon (virConnectOpen) with libvirt's event loop running, and
 * domains looked up on it. Calls block for the daemon's answer: make them off the event thread.
 */
public final class Connection implements AutoCloseable {

    /** The most domains migscope lists of one daemon. */
    static final int MAX_DOMAINS = 10_000;
    /** virConnectListAllDomains: VIR_CONNECT_LIST_DOMAINS_ACTIVE. */
    static final int LIST_ACTIVE = 1;
    /** virConnectSetKeepAlive: a daemon (or ssh) silent this long, this many times, closes the link. */
    static final int KEEPALIVE_INTERVAL_S = 5;
    static final int KEEPALIVE_COUNT = 3;

    final Virt virt;
    final Pointer conn;
    private final String uri;

    private Connection(Virt virt, Pointer conn, String uri) {
        this.virt = virt;
        this.conn = conn;
        this.uri = uri;
    }

    /** Opens {@code uri} (qemu:///system, qemu:///session, qemu+ssh://HOST/system) read-write. */
    public static Connection open(String uri) throws LibvirtException {
        Virt virt = Virt.load();
        EventLoop.ensure(virt);
        Pointer c = virt.lib.virConnectOpen(uri);
        if (c == null) {
            LibvirtException e = virt.lastError("virConnectOpen " + uri);
            throw new LibvirtException(LibvirtException.Kind.NO_DAEMON, e.code(), e.getMessage()
                    + " (is libvirtd running, and may this user use " + uri + "?)");
        }
        Connection connection = new Connection(virt, c, uri);
        // Keepalive needs the event loop; a daemon that does not support it (or a local one) is no error.
        virt.lib.virConnectSetKeepAlive(c, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
        return connection;
    }

    public String uri() {
        return uri;
    }

    /** The hypervisor's version (virConnectGetVersion: QEMU's, major * 1,000,000 + minor * 1,000 + micro). */
    public QemuVersion qemuVersion() throws LibvirtException {
        LongByReference v = new LongByReference();
        if (virt.lib.virConnectGetVersion(conn, v) < 0) {
            throw virt.lastError("virConnectGetVersion");
        }
        long n = v.getValue();
        return new QemuVersion((int) (n / 1_000_000), (int) (n / 1_000 % 1_000), (int) (n % 1_000), "");
    }

    /** libvirt's version on the daemon's side, {@code 9.0.0}. */
    public String libvirtVersion() throws LibvirtException {
        LongByReference v = new LongByReference();
        if (virt.lib.virConnectGetLibVersion(conn, v) < 0) {
            throw virt.lastError("virConnectGetLibVersion");
        }
        long n = v.getValue();
        return (n / 1_000_000) + "." + (n / 1_000 % 1_000) + "." + (n % 1_000);
    }

    /** The domain of this name (or UUID); NO_DOMAIN when the daemon has none. */
    public Domain domain(String nameOrUuid) throws LibvirtException {
        boolean uuid = DomainXml.UUID.matcher(nameOrUuid).matches();
        Pointer d = uuid ? virt.lib.virDomainLookupByUUIDString(conn, nameOrUuid)
                : virt.lib.virDomainLookupByName(conn, nameOrUuid);
        if (d == null) {
            LibvirtException e = virt.lastError("virDomainLookupBy" + (uuid ? "UUIDString" : "Name"));
            throw new LibvirtException(LibvirtException.Kind.NO_DOMAIN, e.code(), "no domain " + nameOrUuid + " on "
                    + uri + " (" + e.getMessage() + "); virsh -c " + uri + " list shows the running ones");
        }
        return new Domain(this, d);
    }

    /** The running domains (virConnectListAllDomains, ACTIVE). */
    public List<Domain> runningDomains() throws LibvirtException {
        PointerByReference list = new PointerByReference();
        int n = virt.lib.virConnectListAllDomains(conn, list, LIST_ACTIVE);
        if (n < 0) {
            throw virt.lastError("virConnectListAllDomains");
        }
        Pointer array = list.getValue();
        List<Domain> domains = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Pointer d = array.getPointer((long) i * Native.POINTER_SIZE);
                if (i < MAX_DOMAINS) {
                    domains.add(new Domain(this, d));
                } else {
                    virt.lib.virDomainFree(d);
                }
            }
        } finally {
            if (array != null) {
                virt.c.free(array);
            }
        }
        if (n > MAX_DOMAINS) {
            domains.forEach(Domain::close);
            throw new LibvirtException(LibvirtException.Kind.LIMIT, uri + " lists " + n + " running domains, more "
                    + "than migscope lists (" + MAX_DOMAINS + ")");
        }
        return domains;
    }

    /** Registers {@code cb} for the connection's end (libvirtd gone, keepalive lost); kept reachable by the caller. */
    void onClose(Virt.CloseCallback cb) throws LibvirtException {
        if (virt.lib.virConnectRegisterCloseCallback(conn, cb, null, null) < 0) {
            throw virt.lastError("virConnectRegisterCloseCallback");
        }
    }

    @Override
    public void close() {
        virt.lib.virConnectClose(conn);
    }
}

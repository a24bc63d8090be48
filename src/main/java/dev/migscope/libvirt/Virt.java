package dev.migscope.libvirt;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The part of libvirt's C API migscope calls (libvirt.so.0, libvirt-qemu.so.0 of Debian's libvirt0),
 * bound by JNA interface mapping: none of it is on a hot path. Names and types are libvirt's
 * (include/libvirt/libvirt-*.h); a {@code virConnectPtr} or {@code virDomainPtr} is a Pointer.
 * Loaded on first use; a host without the libraries gets {@link #load()}'s one line.
 */
final class Virt {

    /** The package that brings libvirt.so.0 and libvirt-qemu.so.0. */
    static final String PACKAGE = "libvirt0";

    interface Lib extends Library {
        int virEventRegisterDefaultImpl();

        int virEventRunDefaultImpl();

        Pointer virConnectOpen(String name);

        int virConnectClose(Pointer conn);

        int virConnectSetKeepAlive(Pointer conn, int interval, int count);

        int virConnectRegisterCloseCallback(Pointer conn, CloseCallback cb, Pointer opaque, Pointer freecb);

        int virConnectGetLibVersion(Pointer conn, LongByReference version);

        int virConnectGetVersion(Pointer conn, LongByReference version);

        Pointer virConnectGetURI(Pointer conn);

        int virConnectListAllDomains(Pointer conn, PointerByReference domains, int flags);

        Pointer virDomainLookupByName(Pointer conn, String name);

        Pointer virDomainLookupByUUIDString(Pointer conn, String uuid);

        int virDomainFree(Pointer dom);

        Pointer virDomainGetName(Pointer dom);

        int virDomainGetUUIDString(Pointer dom, byte[] buf);

        int virDomainGetState(Pointer dom, IntByReference state, IntByReference reason, int flags);

        Pointer virDomainGetXMLDesc(Pointer dom, int flags);

        int virDomainGetJobStats(Pointer dom, IntByReference type, PointerByReference params,
                IntByReference nparams, int flags);

        void virTypedParamsFree(Pointer params, int nparams);

        int virConnectDomainEventRegisterAny(Pointer conn, Pointer dom, int eventID, Callback cb, Pointer opaque,
                Pointer freecb);

        int virConnectDomainEventDeregisterAny(Pointer conn, int callbackID);

        int virDomainMigrateToURI3(Pointer dom, String dconnuri, Pointer params, int nparams, int flags);

        int virDomainAbortJob(Pointer dom);

        int virDomainMigrateSetMaxDowntime(Pointer dom, long downtime, int flags);

        int virDomainMigrateGetMaxDowntime(Pointer dom, LongByReference downtime, int flags);

        Pointer virGetLastError();

        void virSetErrorFunc(Pointer userData, ErrorCallback handler);

        void virResetLastError();
    }

    interface QemuLib extends Library {
        int virConnectDomainQemuMonitorEventRegister(Pointer conn, Pointer dom, String event,
                MonitorEventCallback cb, Pointer opaque, Pointer freecb, int flags);

        int virConnectDomainQemuMonitorEventDeregister(Pointer conn, int callbackID);
    }

    interface C extends Library {
        long strnlen(Pointer s, long max);

        void free(Pointer p);
    }

    /** virConnectDomainQemuMonitorEventCallback. */
    interface MonitorEventCallback extends Callback {
        void invoke(Pointer conn, Pointer dom, Pointer event, long seconds, int micros, Pointer details,
                Pointer opaque);
    }

    /** virConnectDomainEventCallback (VIR_DOMAIN_EVENT_ID_LIFECYCLE). */
    interface LifecycleCallback extends Callback {
        void invoke(Pointer conn, Pointer dom, int event, int detail, Pointer opaque);
    }

    /** virConnectDomainEventJobCompletedCallback (VIR_DOMAIN_EVENT_ID_JOB_COMPLETED). */
    interface JobCompletedCallback extends Callback {
        void invoke(Pointer conn, Pointer dom, Pointer params, int nparams, Pointer opaque);
    }

    /** virConnectDomainEventMigrationIterationCallback (VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION). */
    interface MigrationIterationCallback extends Callback {
        void invoke(Pointer conn, Pointer dom, int iteration, Pointer opaque);
    }

    /** virErrorFunc: libvirt's default prints every error to stderr; migscope reports them itself. */
    interface ErrorCallback extends Callback {
        void invoke(Pointer userData, Pointer error);
    }

    /** Kept reachable for as long as libvirt may call it: the process. */
    private static final ErrorCallback QUIET = (userData, error) -> { };

    /** virConnectCloseFunc. */
    interface CloseCallback extends Callback {
        void invoke(Pointer conn, int reason, Pointer opaque);
    }

    static final int VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;
    static final int VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION = 20;
    static final int VIR_DOMAIN_EVENT_ID_JOB_COMPLETED = 21;
    /** virDomainGetJobStats: the last completed job's, and keep them for the next caller. */
    static final int VIR_DOMAIN_JOB_STATS_COMPLETED = 1;
    static final int VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED = 2;
    static final int VIR_DOMAIN_XML_SECURE = 1;
    static final int VIR_MIGRATE_LIVE = 1;
    static final int VIR_MIGRATE_PEER2PEER = 2;
    /** VIR_ERR_NO_DOMAIN, VIR_ERR_OPERATION_INVALID (domain not running), VIR_ERR_NO_CONNECT... (virterror.h). */
    static final int VIR_ERR_NO_CONNECT = 5;
    static final int VIR_ERR_OPERATION_INVALID = 55;
    static final int VIR_ERR_NO_DOMAIN = 42;
    static final int VIR_ERR_SYSTEM_ERROR = 38;
    static final int VIR_ERR_RPC = 39;

    private static volatile Virt loaded;

    final Lib lib;
    final QemuLib qemu;
    final C c;

    private Virt(Lib lib, QemuLib qemu, C c) {
        this.lib = lib;
        this.qemu = qemu;
        this.c = c;
    }

    /** How the libraries are bound: JNA's loader; a test hands one that fails as a host without libvirt0 does. */
    interface Loader {
        <T extends Library> T load(String name, Class<T> type);
    }

    /** The libraries, loaded once; a host without them is one line naming {@link #PACKAGE}. */
    static Virt load() throws LibvirtException {
        Virt v = loaded;
        if (v != null) {
            return v;
        }
        synchronized (Virt.class) {
            if (loaded == null) {
                loaded = bind(Native::load);
            }
            return loaded;
        }
    }

    /** Binds the libraries through {@code loader}, unshared. */
    static Virt bind(Loader loader) throws LibvirtException {
        try {
            Virt v = new Virt(loader.load("libvirt.so.0", Lib.class), loader.load("libvirt-qemu.so.0", QemuLib.class),
                    loader.load(Platform.C_LIBRARY_NAME, C.class));
            v.lib.virSetErrorFunc(null, QUIET);
            return v;
        } catch (UnsatisfiedLinkError e) {
            throw new LibvirtException(LibvirtException.Kind.NO_LIBRARY, "libvirt.so.0 or libvirt-qemu.so.0 "
                    + "not found: install " + PACKAGE + " (apt-get install " + PACKAGE + " libvirt-clients)");
        }
    }

    /**
     * A C string libvirt owns (or null): at most {@code max} bytes of it, UTF-8, control characters
     * left for the caller's {@code Visible}; longer is an error naming {@code what}.
     */
    String string(Pointer p, int max, String what) throws LibvirtException {
        if (p == null) {
            return null;
        }
        long n = c.strnlen(p, max + 1L);
        if (n > max) {
            throw new LibvirtException(LibvirtException.Kind.LIMIT, "libvirt sent " + what + " longer than "
                    + "migscope reads (" + max + " bytes)");
        }
        return new String(p.getByteArray(0, (int) n), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@link #string}, then libc's free: for strings the caller owns (virDomainGetXMLDesc's). */
    String ownedString(Pointer p, int max, String what) throws LibvirtException {
        try {
            return string(p, max, what);
        } finally {
            if (p != null) {
                c.free(p);
            }
        }
    }

    /**
     * The last libvirt error of this thread (virGetLastError): its code and one line, at most 4 KiB
     * of libvirt's message.
     */
    LibvirtException lastError(String call) {
        Pointer e = lib.virGetLastError();
        if (e == null) {
            return new LibvirtException(LibvirtException.Kind.FAILED, call + " failed (libvirt gave no error)");
        }
        // struct _virError { int code; int domain; char *message; ... }
        int code = e.getInt(0);
        String message;
        try {
            message = string(e.getPointer(8), 4096, "an error message");
        } catch (LibvirtException tooLong) {
            message = "(an error message longer than 4 KiB)";
        }
        lib.virResetLastError();
        return new LibvirtException(LibvirtException.kindOf(code), code,
                call + ": " + (message == null ? "error " + code : message.replace('\n', ' ')));
    }
}

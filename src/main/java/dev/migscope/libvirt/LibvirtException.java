package dev.migscope.libvirt;

import dev.migscope.device.Visible;

/**
 * What went wrong talking to libvirt: a kind, libvirt's error code (virterror.h; 0 when migscope
 * found it), and one line a user can act on, libvirt's text made visible.
 */
public final class LibvirtException extends Exception {

    public enum Kind {
        /** libvirt.so.0 is not on this host. */
        NO_LIBRARY,
        /** The daemon is not there, or went away (VIR_ERR_NO_CONNECT, VIR_ERR_SYSTEM_ERROR, VIR_ERR_RPC). */
        NO_DAEMON,
        /** No such domain, or it is no longer running (VIR_ERR_NO_DOMAIN, VIR_ERR_OPERATION_INVALID). */
        NO_DOMAIN,
        /** libvirt sent more than migscope reads, or what it sent is not what libvirt documents. */
        LIMIT,
        /** Any other error libvirt returned. */
        FAILED
    }

    private final Kind kind;
    private final int code;

    public LibvirtException(Kind kind, String message) {
        this(kind, 0, message);
    }

    public LibvirtException(Kind kind, int code, String message) {
        super(Visible.of(message));
        this.kind = kind;
        this.code = code;
    }

    public Kind kind() {
        return kind;
    }

    /** libvirt's virErrorNumber, 0 when the error is migscope's. */
    public int code() {
        return code;
    }

    static Kind kindOf(int code) {
        return switch (code) {
            case Virt.VIR_ERR_NO_CONNECT, Virt.VIR_ERR_SYSTEM_ERROR, Virt.VIR_ERR_RPC -> Kind.NO_DAEMON;
            case Virt.VIR_ERR_NO_DOMAIN, Virt.VIR_ERR_OPERATION_INVALID -> Kind.NO_DOMAIN;
            default -> Kind.FAILED;
        };
    }

    /** No stack trace: this is a value with a sentence. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}

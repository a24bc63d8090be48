package dev.migscope.remote;

import java.util.regex.Pattern;

/**
 * What may cross to the far side as a device id. Ids travel inside the protocol's JSON, never on
 * ssh's command line, yet one that a shell or a command line would read as more than a name
 * ({@code ;}, {@code $(...)}, quotes, spaces, newlines, a leading {@code -}) is refused here, before
 * anything is sent: no device is named so, and the far side then never sees one.
 */
public final class SafeName {

    /** PCI addresses (0000:3b:00.1), mdev UUIDs, sim:mlx5-0. */
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:+@=,/-]*");

    /** A path on the far side (/run/qemu/src.qmp, vm/qmp.sock), or a URI made of one (unix:/tmp/mig.sock). */
    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9_./][A-Za-z0-9_.:+@=,/-]*");

    private SafeName() {
    }

    /** Null when {@code id} may be sent, else the sentence that says why not. */
    public static String deviceIdProblem(String id) {
        if (id == null || DEVICE.matcher(id).matches()) {
            return null;
        }
        return "the device id " + SshTarget.quoted(id) + " is refused before anything is sent: a device id holds "
                + "only letters, digits and _ . : + @ = , / - and does not start with -";
    }

    /**
     * Null when {@code path} may be sent, else the sentence that says why not. Such paths travel
     * inside the JSON too (a QMP socket to attach to, a migration URI), checked the same way.
     *
     * @param what what the path is, for the sentence ("the socket path")
     */
    public static String pathProblem(String what, String path) {
        if (path == null || PATH.matcher(path).matches()) {
            return null;
        }
        return what + " " + SshTarget.quoted(path) + " is refused before anything is sent: over --host it holds "
                + "only letters, digits and _ . : + @ = , / - and does not start with -";
    }
}

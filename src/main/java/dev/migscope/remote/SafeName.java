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
}

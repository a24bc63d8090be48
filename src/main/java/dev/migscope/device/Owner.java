package dev.migscope.device;

/**
 * A process that holds a device open (found in /proc/PID/fd), e.g. a QEMU migrating it.
 *
 * @param domain the libvirt domain whose QEMU the process is (from the command line libvirt gave
 *               it), or null when libvirt does not run it
 */
public record Owner(int pid, String command, String domain) {

    public Owner(int pid, String command) {
        this(pid, command, null);
    }

    /** {@code qemu-system-x86_64 (pid 42)}, or for a QEMU libvirt runs {@code domain vm1 (libvirt, qemu pid 42)}. */
    @Override
    public String toString() {
        return domain == null ? command + " (pid " + pid + ")"
                : "domain " + Visible.of(domain) + " (libvirt, qemu pid " + pid + ")";
    }
}

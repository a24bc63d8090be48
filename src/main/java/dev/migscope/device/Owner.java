package dev.migscope.device;

/** A process that holds a device open (found in /proc/PID/fd), e.g. a QEMU migrating it. */
public record Owner(int pid, String command) {
    @Override
    public String toString() {
        return command + " (pid " + pid + ")";
    }
}

package dev.migscope.cli;

/**
 * What a command does when the user ends the process (Ctrl-C, SIGTERM) while it holds something
 * outside the JVM: a device mid-transition, a socket file, two QEMUs' connections. The JVM runs the
 * action as a shutdown hook; {@link #close} removes it once the command finished on its own.
 */
final class OnInterrupt implements AutoCloseable {

    private final Thread hook;
    private final boolean added;

    OnInterrupt(String name, Runnable action) {
        hook = new Thread(action, name);
        boolean ok;
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            ok = true;
        } catch (IllegalStateException e) {
            ok = false; // already shutting down: nothing left to protect
        }
        added = ok;
    }

    @Override
    public void close() {
        if (!added) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs and finds the work finished, or finishes it
        }
    }
}

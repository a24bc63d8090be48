package dev.migscope.libvirt;

/**
 * libvirt's default event loop, which its events need: registered once per process
 * (virEventRegisterDefaultImpl, before the first connection) and run by one daemon thread
 * (virEventRunDefaultImpl, forever). Every callback migscope registers runs on that thread.
 */
final class EventLoop {

    private static boolean started;

    private EventLoop() {
    }

    static synchronized void ensure(Virt virt) throws LibvirtException {
        if (started) {
            return;
        }
        if (virt.lib.virEventRegisterDefaultImpl() < 0) {
            throw virt.lastError("virEventRegisterDefaultImpl");
        }
        Thread t = new Thread(() -> {
            while (true) {
                if (virt.lib.virEventRunDefaultImpl() < 0) {
                    // An iteration that failed (a poll() error) leaves the loop usable: run the next.
                    virt.lib.virResetLastError();
                }
            }
        }, "libvirt events");
        t.setDaemon(true);
        t.start();
        started = true;
    }
}

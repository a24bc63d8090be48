package dev.migscope.cli;

import dev.migscope.fsm.MigState;
import dev.migscope.remote.RemoteDevice;
import dev.migscope.session.MigrationSession;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceView;
import java.util.concurrent.CompletableFuture;

/**
 * A device a command holds open: a session here, or a device on the {@code --host}. Commands show
 * its {@link #view()} and drive it through its {@link #control()}, so they print the same for both.
 */
interface OpenDevice extends AutoCloseable {

    DeviceView view();

    /** The driving half; a passive (watched) device refuses every change through it. */
    DeviceControl control();

    /** GET MIG_DEVICE_STATE now. */
    CompletableFuture<MigState> refreshState();

    /** True when the device is only watched (another process holds it). */
    boolean isPassive();

    /** The one line that says why the device can no longer be followed, once {@link DeviceView#isGone()}. */
    String goneLine();

    @Override
    void close();

    static OpenDevice of(MigrationSession s) {
        return new OpenDevice() {
            @Override
            public DeviceView view() {
                return s;
            }

            @Override
            public DeviceControl control() {
                return s;
            }

            @Override
            public CompletableFuture<MigState> refreshState() {
                return s.refreshState();
            }

            @Override
            public boolean isPassive() {
                return s.isPassive();
            }

            @Override
            public String goneLine() {
                return s.id() + ": the device is gone (ENODEV)";
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    static OpenDevice of(RemoteDevice d) {
        return new OpenDevice() {
            @Override
            public DeviceView view() {
                return d;
            }

            @Override
            public DeviceControl control() {
                return d;
            }

            @Override
            public CompletableFuture<MigState> refreshState() {
                return d.refreshState();
            }

            @Override
            public boolean isPassive() {
                return d.isPassive();
            }

            @Override
            public String goneLine() {
                return d.lost().map(why -> d.id() + ": " + why + "; last known state " + d.state())
                        .orElse(d.id() + ": the device is gone (ENODEV) on " + d.host().target().display());
            }

            @Override
            public void close() {
                d.close();
            }
        };
    }
}

package dev.migscope.conform;

import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.StreamIo;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.util.Optional;

/**
 * The device a conformance run checks (or the peer it resumes into), driven by raw calls on the
 * caller's thread: unlike the session layer, a conformance run must send SETs the fsm refuses, to
 * see the kernel refuse them too. It brings the device back to RUNNING between checks, and notes
 * what a SET from ERROR did whenever a step left the device there.
 */
final class DeviceUnderTest {

    final DeviceSession session;
    final String id;
    /** The data_fd loops the session uses too: QEMU's 1 MiB chunk, one aligned buffer. */
    final StreamIo io;
    /** What happened when a SET was tried from ERROR, each time a step left the device there. */
    private String errorObservation;
    private boolean errorSetRefused = true;

    DeviceUnderTest(DeviceSession session) {
        this.session = session;
        this.id = session.info().id();
        this.io = new StreamIo(id);
    }

    MigState get() throws VfioException {
        return session.getState();
    }

    /** GET, or the error as text, for evidence. */
    String getText() {
        try {
            return session.getState().name();
        } catch (VfioException e) {
            return "GET failed: " + errno(e);
        }
    }

    /**
     * Brings the device back to RUNNING the way a careful user would: SET RUNNING, and
     * VFIO_DEVICE_RESET when that fails or cannot work (RESUMING without data, ERROR).
     *
     * @return what it took
     * @throws VfioException when the device cannot be brought back
     */
    String normalize() throws VfioException {
        MigState s;
        try {
            s = get();
        } catch (VfioException e) {
            s = null;
        }
        if (s == MigState.RUNNING) {
            return "already RUNNING";
        }
        if (s == MigState.ERROR) {
            observeError();
        } else if (s != null && s != MigState.RESUMING) {
            try {
                close(session.setState(MigState.RUNNING));
                if (get() == MigState.RUNNING) {
                    return "SET RUNNING from " + s;
                }
            } catch (VfioException e) {
                // fall through to the reset
            }
        }
        session.reset();
        MigState afterReset = get();
        if (afterReset == MigState.RUNNING) {
            return "VFIO_DEVICE_RESET from " + (s == null ? "an unknown state" : s);
        }
        close(session.setState(MigState.RUNNING));
        MigState last = get();
        if (last != MigState.RUNNING) {
            throw new VfioException(VfioError.of(Errno.EIO, VfioCall.VFIO_DEVICE_RESET.text(), id,
                    "the device did not return to RUNNING (VFIO_DEVICE_RESET left " + afterReset
                            + ", SET RUNNING then left " + last + "); reset it again or reload its driver"));
        }
        return "VFIO_DEVICE_RESET from " + (s == null ? "an unknown state" : s) + " left " + afterReset
                + ", then SET RUNNING";
    }

    /** ERROR was reached: a SET from it must be refused (only reset leaves it). */
    private void observeError() {
        try {
            close(session.setState(MigState.RUNNING));
            errorSetRefused = false;
            errorObservation = "SET RUNNING from ERROR succeeded; GET: " + getText();
        } catch (VfioException e) {
            if (errorObservation == null) {
                errorObservation = "SET RUNNING from ERROR: " + errno(e) + "; GET: " + getText();
            }
        }
    }

    /** Null when no step of the run left the device in ERROR. */
    String errorObservation() {
        return errorObservation;
    }

    boolean errorSetRefused() {
        return errorSetRefused;
    }

    /** From RUNNING, one SET to {@code target} (the kernel walks multi-step pairs itself). */
    Optional<MigrationStream> reach(MigState target) throws VfioException {
        normalize();
        if (target == MigState.RUNNING) {
            return Optional.empty();
        }
        Optional<MigrationStream> fd = session.setState(target);
        MigState now = get();
        if (now != target) {
            close(fd);
            throw new VfioException(VfioError.of(Errno.EIO, VfioCall.SET_MIG_DEVICE_STATE.text(), id,
                    "SET " + target + " from RUNNING left the device in " + now));
        }
        return fd;
    }

    static void close(Optional<MigrationStream> fd) {
        fd.ifPresent(MigrationStream::close);
    }

    /** {@code EINVAL (Invalid argument)} and the driver's sentence. */
    static String errno(VfioException e) {
        VfioError err = e.error();
        return err.errno() == 0 ? err.message() : err.errnoMeaning();
    }

    static boolean is(VfioException e, Errno errno) {
        return e.error().is(errno);
    }
}

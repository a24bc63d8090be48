package dev.migscope.conform;

import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * Raw calls on one open device, on the caller's thread: unlike the session layer, a conformance
 * run must send SETs the fsm refuses, to see the kernel refuse them too.
 */
final class Probe {

    /** QEMU reads up to 1 MiB per iteration; so do we. */
    static final int CHUNK = 1 << 20;

    final DeviceSession session;
    final String id;
    private final ByteBuffer buffer = MigrationStream.alignedBuffer(CHUNK);
    /** What happened when a SET was tried from ERROR, each time a step left the device there. */
    private String errorObservation;
    private boolean errorSetRefused = true;

    Probe(DeviceSession session) {
        this.session = session;
        this.id = session.info().id();
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
            throw new VfioException(VfioError.of(Errno.EIO, "VFIO_DEVICE_RESET", id,
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
            throw new VfioException(VfioError.of(Errno.EIO, "VFIO_DEVICE_FEATURE SET MIG_DEVICE_STATE", id,
                    "SET " + target + " from RUNNING left the device in " + now));
        }
        return fd;
    }

    /**
     * How a read loop on a STOP_COPY stream ended: at read() == 0 ({@code ended}), at ENOMSG
     * ({@code enomsg}, which vfio.h forbids in STOP_COPY), at an error, or at the limit (none of these).
     */
    record Drain(long bytes, boolean ended, boolean enomsg, VfioException error) {
        String describe() {
            if (error != null) {
                return "read(data_fd) failed after " + bytes + " bytes: " + errno(error);
            }
            if (enomsg) {
                return bytes + " bytes, then read() failed with ENOMSG";
            }
            return bytes + " bytes, " + (ended ? "then read() returned 0" : "no end within the limit");
        }
    }

    /**
     * Reads until read() returns 0 or ENOMSG, or {@code limit} bytes; copies the bytes to {@code sink}
     * when given.
     */
    Drain drain(MigrationStream stream, long limit, FileChannel sink) {
        long total = 0;
        while (total < limit) {
            buffer.clear();
            if (limit - total < CHUNK) {
                buffer.limit((int) (limit - total));
            }
            int n;
            try {
                n = stream.read(buffer);
            } catch (VfioException e) {
                return new Drain(total, false, false, e);
            }
            if (n == 0 || n == MigrationStream.ENOMSG) {
                return new Drain(total, n == 0, n == MigrationStream.ENOMSG, null);
            }
            total += n;
            if (sink != null) {
                buffer.flip();
                try {
                    while (buffer.hasRemaining()) {
                        sink.write(buffer);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return new Drain(total, false, false, null);
    }

    /** Writes {@code length} bytes of {@code image} (from its start) to a resuming data_fd. */
    void write(MigrationStream stream, FileChannel image, long length) throws VfioException {
        long pos = 0;
        while (pos < length) {
            buffer.clear();
            buffer.limit((int) Math.min(CHUNK, length - pos));
            try {
                int r = image.read(buffer, pos);
                if (r < 0) {
                    throw new IllegalStateException("the saved image is shorter than " + length + " bytes");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                int n = stream.write(buffer);
                if (n <= 0) {
                    throw new VfioException(VfioError.of(Errno.EIO, "write(data_fd)", id,
                            "the driver accepted no bytes at offset " + pos));
                }
                pos += n;
            }
        }
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

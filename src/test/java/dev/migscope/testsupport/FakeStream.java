package dev.migscope.testsupport;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A {@link FakeDevice}'s data_fd: a saving one reads the {@link #encode}d content (half of it in
 * PRE_COPY, the rest in STOP_COPY), a resuming one collects what is written. Its format: "FAKE", u32
 * length, the content, u32 CRC32 of the content; RESUMING -> STOP refuses anything else with EINVAL
 * and stays in RESUMING, as mtty does. Every call runs under the device's lock, but the link's pace
 * is waited outside it.
 */
final class FakeStream implements MigrationStream {

    private static final int HEADER = 8;
    private static final int TRAILER = 4;

    /** How a device's data_fds behave, as its test scripted them; guarded by the device's lock. */
    static final class Script {
        long readFaultAfter = -1;
        Errno readErrno;
        boolean writeAcceptsNothing;
        boolean enomsgInPrecopy;
        boolean enomsgInStopCopy;
        long dirtyBytes;
        int readGranule = 1000;
        Runnable onRead = () -> { };
        /** Bytes per second of real time a read is paced to; 0: unpaced. */
        long bandwidth;
    }

    private final FakeDevice device;
    private final Script script;
    private final int fd;
    private final byte[] data;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final int precopyPart;
    private int pos;
    private boolean valid = true;

    private FakeStream(FakeDevice device, int fd, byte[] data, boolean precopy) {
        this.device = device;
        this.script = device.streams;
        this.fd = fd;
        this.data = data;
        this.precopyPart = data != null && precopy ? data.length / 2 : 0;
    }

    static FakeStream saving(FakeDevice device, int fd, byte[] data, boolean precopy) {
        return new FakeStream(device, fd, data, precopy);
    }

    static FakeStream resuming(FakeDevice device, int fd) {
        return new FakeStream(device, fd, null, false);
    }

    static int encodedLength(byte[] content) {
        return HEADER + content.length + TRAILER;
    }

    static byte[] encode(byte[] content) {
        CRC32 crc = new CRC32();
        crc.update(content);
        return ByteBuffer.allocate(encodedLength(content)).put("FAKE".getBytes(StandardCharsets.US_ASCII))
                .putInt(content.length).put(content).putInt((int) crc.getValue()).array();
    }

    static Optional<byte[]> decode(byte[] s) {
        if (s.length < HEADER + TRAILER || s[0] != 'F' || s[1] != 'A' || s[2] != 'K' || s[3] != 'E') {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(s);
        int len = b.getInt(4);
        if (len < 0 || len != s.length - HEADER - TRAILER) {
            return Optional.empty();
        }
        byte[] c = new byte[len];
        b.position(HEADER);
        b.get(c);
        CRC32 crc = new CRC32();
        crc.update(c);
        return b.getInt() == (int) crc.getValue() ? Optional.of(c) : Optional.empty();
    }

    /** Under the device's lock: the device ended this data transfer session. */
    void invalidate() {
        valid = false;
    }

    /** Under the device's lock: what a resuming data_fd was given. */
    byte[] written() {
        return written.toByteArray();
    }

    @Override
    public int fd() {
        return fd;
    }

    private void check(VfioCall call) throws VfioException {
        device.plugged(call);
        if (!valid) {
            throw device.err(Errno.EBADF, call, "the data transfer session has ended");
        }
    }

    @Override
    public int read(ByteBuffer dst) throws VfioException {
        int n;
        long bandwidth;
        synchronized (device) {
            script.onRead.run();
            check(VfioCall.READ_DATA_FD);
            if (data == null) {
                throw device.err(Errno.EINVAL, VfioCall.READ_DATA_FD, "a resuming data_fd is written, not read");
            }
            if (script.readFaultAfter >= 0 && pos >= script.readFaultAfter) {
                throw device.err(script.readErrno, VfioCall.READ_DATA_FD, "scripted read failure");
            }
            boolean stopCopy = device.state() == MigState.STOP_COPY;
            int end = stopCopy ? data.length : precopyPart;
            n = Math.min(Math.min(script.readGranule, dst.remaining()), Math.max(0, end - pos));
            if (script.readFaultAfter >= 0) {
                n = (int) Math.min(n, Math.max(1, script.readFaultAfter - pos));
            }
            if (n == 0 && dst.hasRemaining() && (stopCopy ? script.enomsgInStopCopy : script.enomsgInPrecopy)) {
                return MigrationStream.ENOMSG;
            }
            dst.put(data, pos, n);
            pos += n;
            bandwidth = script.bandwidth;
        }
        if (n > 0 && bandwidth > 0) {
            pace(n, bandwidth);
        }
        return n;
    }

    /** The link carries {@code n} bytes: a real wait, so a window shows the save while it runs. */
    private static void pace(int n, long bandwidth) {
        try {
            TimeUnit.NANOSECONDS.sleep(n * 1_000_000_000L / bandwidth);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Data is there or the phase has ended: a fake never makes poll wait. */
    @Override
    public boolean poll(long timeoutMillis) throws VfioException {
        synchronized (device) {
            check(VfioCall.POLL_DATA_FD);
            return true;
        }
    }

    @Override
    public int write(ByteBuffer src) throws VfioException {
        synchronized (device) {
            check(VfioCall.WRITE_DATA_FD);
            if (data != null) {
                throw device.err(Errno.EINVAL, VfioCall.WRITE_DATA_FD, "a saving data_fd is read, not written");
            }
            if (script.writeAcceptsNothing) {
                return 0;
            }
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            written.write(b, 0, n);
            return n;
        }
    }

    @Override
    public PrecopyInfo precopyInfo(int flagsIn) throws VfioException {
        synchronized (device) {
            check(VfioCall.VFIO_MIG_GET_PRECOPY_INFO);
            MigState state = device.state();
            if (state != MigState.PRE_COPY && state != MigState.PRE_COPY_P2P) {
                throw device.err(Errno.EINVAL, VfioCall.VFIO_MIG_GET_PRECOPY_INFO, "not in PRE_COPY");
            }
            return new PrecopyInfo(Math.max(0, precopyPart - pos), script.dirtyBytes);
        }
    }

    @Override
    public long bytesTransferred() {
        synchronized (device) {
            return data == null ? written.size() : pos;
        }
    }

    @Override
    public void close() {
        synchronized (device) {
            valid = false;
        }
    }
}

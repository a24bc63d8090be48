package dev.migscope.session;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.ArcEffect;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * A scriptable device for session tests: it walks the fsm like a driver does, and every call can be
 * made to fail exactly where a test wants (a SET that leaves the device mid-path, a GET that fails,
 * an unplug, a data_fd read that fails, a write the driver does not accept). All methods are
 * synchronized: the session calls from its device thread while the test thread scripts and inspects.
 *
 * <p>Its stream format: "FAKE", u32 length, the content, u32 CRC32 of the content. RESUMING -> STOP
 * refuses anything else with EINVAL and stays in RESUMING, as mtty does.
 */
final class FakeDevice implements DeviceSession {

    /** What a SET on {@code arc} does instead of succeeding: fail with {@code errno}, end in {@code landIn}. */
    record Fault(Errno errno, MigState landIn, int getsFailingAfter) {
    }

    private final DeviceInfo info;
    private final MigFeatures features;
    private MigState state = MigState.RUNNING;
    private byte[] content;
    private final Map<Arc, Fault> faults = new HashMap<>();
    private final List<MigState> sets = new ArrayList<>();
    private int gets;
    private int getAttempts;
    private boolean noMigration;
    private boolean acceptEmptyResume;
    private int resets;
    private int opens;
    private int failGets;
    private Errno getErrno;
    private boolean unplugged;
    private boolean closed;
    private Stream stream;
    private long readFaultAfter = -1;
    private Errno readErrno;
    private boolean writeAcceptsNothing;
    private boolean returnNoResumeFd;
    private boolean enomsgInPrecopy;
    private boolean enomsgInStopCopy;
    private long dirtyBytes;
    private int readGranule = 1000;
    private Runnable onRead = () -> { };
    private int dmaDirtyPagesPerReport;
    private boolean dmaLoggingActive;

    FakeDevice(String id, String driver, MigFeatures features, byte[] content) {
        this.info = new DeviceInfo(id, DeviceKind.SIM, driver, "Fake", "fake device", "0x1234", "0x5678", 7, null,
                null, features, null, null);
        this.features = features;
        this.content = content.clone();
    }

    // ------------------------------------------------------------------ scripting (test thread)

    /** The next SET walking {@code from -> to} fails with {@code errno} and leaves the device in {@code landIn} (null: {@code from}). */
    synchronized void failArc(MigState from, MigState to, Errno errno, MigState landIn) {
        faults.put(new Arc(from, to), new Fault(errno, landIn, 0));
    }

    /** As {@link #failArc}, and the {@code n} GETs after that failure fail with EIO too. */
    synchronized void failArcAndGets(MigState from, MigState to, Errno errno, MigState landIn, int n) {
        faults.put(new Arc(from, to), new Fault(errno, landIn, n));
    }

    /** RESUMING -> STOP with nothing written keeps the content (for walks that only test the fsm). */
    synchronized void acceptEmptyResume() {
        acceptEmptyResume = true;
    }

    synchronized void noMigration() {
        noMigration = true;
    }

    synchronized void failNextGets(int n, Errno errno) {
        failGets = n;
        getErrno = errno;
    }

    synchronized void unplug() {
        unplugged = true;
    }

    synchronized void failReadsAfter(long bytes, Errno errno) {
        readFaultAfter = bytes;
        readErrno = errno;
    }

    synchronized void acceptNoWrites() {
        writeAcceptsNothing = true;
    }

    synchronized void returnNoResumeFd() {
        returnNoResumeFd = true;
    }

    /**
     * With no data left, read() fails with ENOMSG instead of returning 0: in PRE_COPY (as mlx5 does),
     * and in STOP_COPY too when {@code inStopCopy} (the bug vfio.h forbids).
     */
    synchronized void enomsgAtEnd(boolean inStopCopy) {
        enomsgInPrecopy = true;
        enomsgInStopCopy = inStopCopy;
    }

    synchronized void setDirtyBytes(long b) {
        dirtyBytes = b;
    }

    synchronized void setReadGranule(int g) {
        readGranule = g;
    }

    synchronized void onRead(Runnable r) {
        onRead = r;
    }

    synchronized void setDmaDirtyPagesPerReport(int n) {
        dmaDirtyPagesPerReport = n;
    }

    /** Puts the device in a state behind the session's back (another process, or a test's setup). */
    synchronized void force(MigState s) {
        state = s;
    }

    // ------------------------------------------------------------------ inspection (test thread)

    synchronized MigState peekState() {
        return state;
    }

    synchronized List<MigState> sets() {
        return List.copyOf(sets);
    }

    synchronized int gets() {
        return gets;
    }

    /** GETs tried, also those that failed because the device was gone. */
    synchronized int getAttempts() {
        return getAttempts;
    }

    synchronized int resets() {
        return resets;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized byte[] content() {
        return content.clone();
    }

    synchronized boolean hasOpenStream() {
        return stream != null;
    }

    synchronized boolean isDmaLoggingActive() {
        return dmaLoggingActive;
    }

    static byte[] encode(byte[] content) {
        CRC32 crc = new CRC32();
        crc.update(content);
        return ByteBuffer.allocate(12 + content.length).put("FAKE".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(content.length).put(content).putInt((int) crc.getValue()).array();
    }

    private static Optional<byte[]> decode(byte[] s) {
        if (s.length < 12 || s[0] != 'F' || s[1] != 'A' || s[2] != 'K' || s[3] != 'E') {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(s);
        int len = b.getInt(4);
        if (len < 0 || len != s.length - 12) {
            return Optional.empty();
        }
        byte[] c = new byte[len];
        b.position(8);
        b.get(c);
        CRC32 crc = new CRC32();
        crc.update(c);
        return b.getInt() == (int) crc.getValue() ? Optional.of(c) : Optional.empty();
    }

    // ------------------------------------------------------------------ DeviceSession (device thread)

    private VfioException err(Errno e, String call, String msg) {
        return new VfioException(VfioError.of(e, call, info.id(), msg));
    }

    private void plugged(String call) throws VfioException {
        if (unplugged) {
            throw err(Errno.ENODEV, call, "unplugged");
        }
    }

    @Override
    public synchronized DeviceInfo info() {
        return info.withState(state);
    }

    @Override
    public synchronized MigFeatures migrationFeatures() throws VfioException {
        plugged("GET MIGRATION");
        if (noMigration) {
            throw err(Errno.ENOTTY, "GET MIGRATION", "not migratable");
        }
        return features;
    }

    @Override
    public synchronized MigState getState() throws VfioException {
        getAttempts++;
        plugged("GET MIG_DEVICE_STATE");
        gets++;
        if (failGets > 0) {
            failGets--;
            throw err(getErrno, "GET MIG_DEVICE_STATE", "scripted GET failure");
        }
        return state;
    }

    /** The driver's set_state loop: one fsm step after another, as vfio_mig_get_next_state dictates. */
    @Override
    public synchronized Optional<MigrationStream> setState(MigState target) throws VfioException {
        plugged("SET MIG_DEVICE_STATE");
        sets.add(target);
        MigPath path = MigrationFsm.path(features, state, target);
        if (path.isRefused()) {
            throw err(Errno.EINVAL, "SET MIG_DEVICE_STATE", path.refusal().reason());
        }
        Stream opened = null;
        for (Arc arc : path.arcs()) {
            Fault f = faults.remove(arc);
            if (f != null) {
                state = f.landIn() == null ? arc.from() : f.landIn();
                if (f.getsFailingAfter() > 0) {
                    failGets = f.getsFailingAfter();
                    getErrno = Errno.EIO;
                }
                if (!state.isSaving() && state != MigState.RESUMING) {
                    dropStream();
                }
                throw err(f.errno(), "SET MIG_DEVICE_STATE", "scripted failure of " + arc);
            }
            ArcEffect effect = arc.effect();
            if (effect == ArcEffect.ENDS_RESUME) {
                byte[] written = stream.written.toByteArray();
                Optional<byte[]> loaded = written.length == 0 && acceptEmptyResume ? Optional.of(content)
                        : decode(written);
                if (loaded.isEmpty()) {
                    throw err(Errno.EINVAL, "SET MIG_DEVICE_STATE", "the resume data is not a valid stream");
                }
                content = loaded.get();
            }
            if (effect.endsSession()) {
                dropStream();
            }
            if (effect == ArcEffect.OPENS_SAVE_FD) {
                stream = new Stream(++opens + 100, encode(content), arc.to() != MigState.STOP_COPY);
                opened = stream;
            } else if (effect == ArcEffect.OPENS_RESUME_FD) {
                stream = new Stream(++opens + 100, null, false);
                opened = returnNoResumeFd ? null : stream;
            }
            state = arc.to();
        }
        return Optional.ofNullable(opened);
    }

    private void dropStream() {
        if (stream != null) {
            stream.valid = false;
            stream = null;
        }
    }

    @Override
    public synchronized long migDataSize() throws VfioException {
        plugged("GET MIG_DATA_SIZE");
        return encode(content).length;
    }

    @Override
    public boolean dmaLoggingSupported() {
        return true;
    }

    @Override
    public synchronized void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
        plugged("SET DMA_LOGGING_START");
        dmaLoggingActive = true;
    }

    @Override
    public synchronized DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
        plugged("GET DMA_LOGGING_REPORT");
        long[] words = new long[(int) ((length / pageSize + 63) / 64)];
        for (int i = 0; i < dmaDirtyPagesPerReport; i++) {
            words[i >>> 6] |= 1L << (i & 63);
        }
        return new DirtyBitmap(iova, length, pageSize, words);
    }

    @Override
    public synchronized void dmaLoggingStop() throws VfioException {
        plugged("SET DMA_LOGGING_STOP");
        dmaLoggingActive = false;
    }

    @Override
    public synchronized void reset() throws VfioException {
        plugged("VFIO_DEVICE_RESET");
        resets++;
        dropStream();
        dmaLoggingActive = false;
        state = MigState.RUNNING;
    }

    @Override
    public synchronized void close() {
        dropStream();
        closed = true;
    }

    /** The data_fd: a saving stream reads {@link #encode}d content, a resuming one collects writes. */
    private final class Stream implements MigrationStream {
        private final int fd;
        private final byte[] data;
        private final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private final int precopyPart;
        private int pos;
        private boolean valid = true;

        Stream(int fd, byte[] data, boolean precopy) {
            this.fd = fd;
            this.data = data;
            this.precopyPart = data == null ? 0 : precopy ? data.length / 2 : 0;
        }

        @Override
        public int fd() {
            return fd;
        }

        private void check(String call) throws VfioException {
            plugged(call);
            if (!valid) {
                throw err(Errno.EBADF, call, "the data transfer session has ended");
            }
        }

        @Override
        public int read(ByteBuffer dst) throws VfioException {
            synchronized (FakeDevice.this) {
                onRead.run();
                check("read(data_fd)");
                if (data == null) {
                    throw err(Errno.EINVAL, "read(data_fd)", "a resuming data_fd is written, not read");
                }
                if (readFaultAfter >= 0 && pos >= readFaultAfter) {
                    throw err(readErrno, "read(data_fd)", "scripted read failure");
                }
                int end = state == MigState.STOP_COPY ? data.length : precopyPart;
                int n = Math.min(Math.min(readGranule, dst.remaining()), Math.max(0, end - pos));
                if (readFaultAfter >= 0) {
                    n = (int) Math.min(n, Math.max(1, readFaultAfter - pos));
                }
                if (n == 0 && dst.hasRemaining() && (state == MigState.STOP_COPY ? enomsgInStopCopy : enomsgInPrecopy)) {
                    return MigrationStream.ENOMSG;
                }
                dst.put(data, pos, n);
                pos += n;
                return n;
            }
        }

        @Override
        public boolean poll(long timeoutMillis) throws VfioException {
            synchronized (FakeDevice.this) {
                check("poll(data_fd)");
                return true;
            }
        }

        @Override
        public int write(ByteBuffer src) throws VfioException {
            synchronized (FakeDevice.this) {
                check("write(data_fd)");
                if (data != null) {
                    throw err(Errno.EINVAL, "write(data_fd)", "a saving data_fd is read, not written");
                }
                if (writeAcceptsNothing) {
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
        public PrecopyInfo precopyInfo() throws VfioException {
            synchronized (FakeDevice.this) {
                check("VFIO_MIG_GET_PRECOPY_INFO");
                if (state != MigState.PRE_COPY && state != MigState.PRE_COPY_P2P) {
                    throw err(Errno.EINVAL, "VFIO_MIG_GET_PRECOPY_INFO", "not in PRE_COPY");
                }
                return new PrecopyInfo(Math.max(0, precopyPart - pos), dirtyBytes);
            }
        }

        @Override
        public long bytesTransferred() {
            synchronized (FakeDevice.this) {
                return data == null ? written.size() : pos;
            }
        }

        @Override
        public void close() {
            synchronized (FakeDevice.this) {
                valid = false;
            }
        }
    }

    /** A backend holding fake devices; its listing reads their state without a GET (the second path). */
    static final class Backend implements DeviceBackend {
        private final Map<String, FakeDevice> devices = new java.util.LinkedHashMap<>();
        private final Map<String, MigState> watched = new HashMap<>();

        Backend add(FakeDevice d) {
            devices.put(d.info.id(), d);
            return this;
        }

        Backend watchable(String id, MigState s) {
            watched.put(id, s);
            return this;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public List<DeviceInfo> list() {
            return devices.values().stream().map(FakeDevice::info).toList();
        }

        @Override
        public boolean owns(String id) {
            return devices.containsKey(id);
        }

        @Override
        public DeviceSession open(String id) throws VfioException {
            FakeDevice d = devices.get(id);
            if (d == null) {
                throw new VfioException(VfioError.of(Errno.ENODEV, "open", id, "no such fake"));
            }
            return d;
        }

        @Override
        public Optional<MigState> watchState(String id) {
            return Optional.ofNullable(watched.get(id));
        }
    }
}

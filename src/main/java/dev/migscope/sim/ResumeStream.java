package dev.migscope.sim;

import dev.migscope.device.Errno;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The resuming data_fd. Each record is checked as soon as it is complete (magic, CRC32C, sequence,
 * origin, payload), so garbage fails the write() that completes it with EINVAL; whether the stream
 * is complete is decided by RESUMING -> STOP ({@link #loadProblem}), as mtty_load_state does.
 * After a refused record the session stays refused: every later write and the load fail too.
 */
final class ResumeStream extends SimStream {

    private static final String WRITE = "write(data_fd)";

    private final DeviceImage image;
    private final ByteBuffer header = StreamFormat.buffer(StreamFormat.HEADER_BYTES);
    private ByteBuffer payload;
    private int expectedSeq;
    private boolean deviceSeen;
    private boolean endSeen;
    private long seed;
    private int endGenerationsCrc;
    private final int[] received;
    private String refused;

    ResumeStream(SimDevice device, int fd) {
        super(device, fd);
        this.image = device.image;
        this.received = new int[image.pageCount()];
        Arrays.fill(received, -1);
    }

    @Override
    public int write(ByteBuffer src) throws VfioException {
        device.lock.lock();
        try {
            checkOpen(WRITE);
            if (refused != null) {
                throw device.error(Errno.EINVAL, WRITE, refused);
            }
            ByteBuffer in = src.duplicate();
            int start = in.position();
            while (in.hasRemaining()) {
                if (endSeen) {
                    throw refuse("data follows the END record: this is not one stream from one saving session");
                }
                if (header.hasRemaining()) {
                    copy(in, header);
                    if (!header.hasRemaining()) {
                        payload = StreamFormat.buffer(checkHeader());
                    }
                    continue;
                }
                copy(in, payload);
                if (!payload.hasRemaining()) {
                    accept();
                    header.clear();
                    payload = null;
                }
            }
            int n = in.position() - start;
            src.position(in.position());
            transferred += n;
            return n;
        } finally {
            device.lock.unlock();
        }
    }

    /**
     * Under the device lock, at RESUMING -> STOP: null when the stream is complete and was loaded
     * into the device, else why it cannot be (the step then fails with EINVAL).
     */
    String loadProblem() {
        if (refused != null) {
            return refused;
        }
        if (transferred == 0) {
            return "no migration data was written (" + transferred + " bytes): write the whole saved stream "
                    + "to the data_fd before leaving RESUMING";
        }
        long missing = Arrays.stream(received).filter(g -> g < 0).count();
        if (!endSeen || header.position() != 0 || missing > 0) {
            return "the stream is incomplete (" + transferred + " bytes written, " + missing + " of "
                    + received.length + " pages missing" + (endSeen ? "" : ", no END record")
                    + "): it was truncated; write all of it, or VFIO_DEVICE_RESET to give up";
        }
        if (DeviceImage.generationsCrc(received) != endGenerationsCrc) {
            return "the pages written do not match the END record (a page of the last generation is missing): "
                    + "the stream is not the one saving session's output";
        }
        image.load(seed, received);
        return null;
    }

    @Override
    public int read(ByteBuffer dst) throws VfioException {
        throw device.error(Errno.EBADF, "read(data_fd)",
                "this data_fd belongs to a resuming session and is write-only; read saved data from the data_fd "
                        + "that a SET to PRE_COPY or STOP_COPY returned");
    }

    @Override
    public boolean poll(long timeoutMillis) throws VfioException {
        device.lock.lock();
        try {
            checkOpen("poll(data_fd)");
            return true; // always writable
        } finally {
            device.lock.unlock();
        }
    }

    @Override
    public PrecopyInfo precopyInfo(int flagsIn) throws VfioException {
        throw device.error(Errno.ENOTTY, "VFIO_MIG_GET_PRECOPY_INFO",
                "a resuming data_fd has no PRE_COPY information; ask the saving data_fd");
    }

    private static void copy(ByteBuffer from, ByteBuffer to) {
        int k = Math.min(from.remaining(), to.remaining());
        ByteBuffer slice = from.duplicate();
        slice.limit(slice.position() + k);
        to.put(slice);
        from.position(from.position() + k);
    }

    /** The payload length announced by a complete header, once magic and version are right. */
    private int checkHeader() throws VfioException {
        if (header.getInt(0) != StreamFormat.MAGIC) {
            throw refuse("record " + expectedSeq + " has no stream magic (garbage or not a sim_* stream), at byte "
                    + (transferred + header.position() - StreamFormat.HEADER_BYTES));
        }
        if ((header.getShort(6) & 0xffff) != StreamFormat.VERSION) {
            throw refuse("record " + expectedSeq + " has stream version " + (header.getShort(6) & 0xffff)
                    + "; this driver reads version " + StreamFormat.VERSION);
        }
        int len = header.getInt(12);
        if (len < 0 || len > StreamFormat.MAX_PAYLOAD) {
            throw refuse("record " + expectedSeq + " announces " + Integer.toUnsignedString(len)
                    + " payload bytes, more than any record has: the stream is corrupt");
        }
        return len;
    }

    private void accept() throws VfioException {
        int seq = header.getInt(8);
        if (!StreamFormat.crcMatches(header, payload)) {
            throw refuse("record " + seq + " fails its CRC32C: the stream was damaged");
        }
        if (seq != expectedSeq) {
            throw refuse("record " + seq + " arrived where record " + expectedSeq
                    + " was expected: records are missing or out of order");
        }
        expectedSeq++;
        int type = header.getShort(4);
        ByteBuffer p = payload.flip();
        if (!deviceSeen && type != StreamFormat.TYPE_DEVICE) {
            throw refuse("the stream does not begin with its DEVICE record");
        }
        switch (type) {
            case StreamFormat.TYPE_DEVICE -> acceptDevice(p);
            case StreamFormat.TYPE_PAGE -> acceptPage(seq, p);
            case StreamFormat.TYPE_END -> acceptEnd(p);
            default -> throw refuse("record " + seq + " has unknown type " + type);
        }
    }

    private void acceptDevice(ByteBuffer p) throws VfioException {
        if (deviceSeen || p.remaining() < 24) {
            throw refuse("a second or short DEVICE record: the stream is corrupt");
        }
        MigFeatures features = new MigFeatures(p.getInt());
        int pageBytes = p.getInt();
        int pageCount = p.getInt();
        p.getInt();
        long streamSeed = p.getLong();
        byte[] name = new byte[p.remaining()];
        p.get(name);
        String driver = new String(name, StandardCharsets.UTF_8);
        SimProfile mine = device.profile;
        if (!driver.equals(mine.driver()) || !features.equals(mine.features())) {
            throw refuse("the stream was saved by a " + driver + " device with " + features + "; this "
                    + mine.driver() + " device with " + mine.features() + " cannot load it: resume into a device "
                    + "of the same driver and features");
        }
        if (pageBytes != image.pageBytes() || pageCount != image.pageCount()) {
            throw refuse("the stream holds " + pageCount + " pages of " + pageBytes + " bytes; this device's state "
                    + "is " + image.pageCount() + " pages of " + image.pageBytes() + " bytes");
        }
        seed = streamSeed;
        deviceSeen = true;
    }

    private void acceptPage(int seq, ByteBuffer p) throws VfioException {
        long page = header.getLong(16);
        int generation = header.getInt(24);
        if (page < 0 || page >= received.length || p.remaining() != image.pageBytes() || generation < 0) {
            throw refuse("record " + seq + " names page " + page + " (" + p.remaining()
                    + " bytes) outside this device's state");
        }
        ByteBuffer expected = StreamFormat.buffer(image.pageBytes());
        DeviceImage.fill(expected, seed, page, generation);
        if (!expected.flip().equals(p)) {
            throw refuse("record " + seq + ": the bytes of page " + page + " are not those of generation "
                    + generation + ": the stream is corrupt");
        }
        received[(int) page] = generation;
    }

    private void acceptEnd(ByteBuffer p) throws VfioException {
        if (p.remaining() != StreamFormat.END_PAYLOAD_BYTES || p.getInt() != received.length) {
            throw refuse("the END record does not match this stream's page count");
        }
        endGenerationsCrc = p.getInt();
        endSeen = true;
    }

    private VfioException refuse(String why) {
        refused = why;
        return device.error(Errno.EINVAL, WRITE, why);
    }
}

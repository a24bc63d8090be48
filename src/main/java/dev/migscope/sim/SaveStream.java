package dev.migscope.sim;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The saving data_fd. In PRE_COPY it offers the DEVICE record and the initial pages, then pages
 * dirtied after they were sent; when nothing is pending read() returns 0 (the temporary end), as
 * mtty_save_read does, or fails with ENOMSG, as vfio.h asks and mlx5 does, for a driver with
 * {@link Quirk#ENOMSG_AT_PRE_COPY_END}. From STOP_COPY on it offers every page whose latest
 * generation was not sent, then END, then returns 0 for good. Reads take the link's time on the
 * device clock.
 */
final class SaveStream extends SimStream {

    private static final long POLL_STEP_NANOS = 1_000_000;

    private final DeviceImage image;
    private final int recordBytes;
    private final int initialPages;
    /** The generation sent for each page, -1 when never sent on this fd. */
    private final int[] sentGeneration;
    /** Pages sent on this fd and dirtied since: what dirty_bytes counts. */
    private final BitSet dirtySinceSent = new BitSet();
    private int initialNext;
    private boolean stopCopy;
    private int stopCopyScan;
    private boolean endSent;
    private ByteBuffer current;
    private boolean currentIsInitial;
    private int seq;
    /** {@link Quirk#REINIT_IN_PRE_COPY}: the device reconfigured on this fd (once). */
    private boolean reinitialised;
    /** A REINIT the next PRECOPY_INFO reports. */
    private boolean reinitUnreported;

    SaveStream(SimDevice device, int fd, boolean stopCopy) {
        super(device, fd);
        this.image = device.image;
        this.recordBytes = StreamFormat.pageRecordBytes(image.pageBytes());
        this.initialPages = device.profile.precopyInitialPages();
        this.sentGeneration = new int[image.pageCount()];
        Arrays.fill(sentGeneration, -1);
        this.stopCopy = stopCopy;
        current = StreamFormat.deviceRecord(seq++, device.profile.driver(), device.profile.features(), image);
        currentIsInitial = true;
    }

    /** Under the device lock: the workload changed {@code page}. */
    void pageDirtied(int page) {
        if (sentGeneration[page] >= 0) {
            dirtySinceSent.set(page);
        }
    }

    /** Under the device lock: PRE_COPY_P2P -> STOP_COPY; the same fd goes on with the remainder. */
    void enterStopCopy() {
        stopCopy = true;
    }

    @Override
    public int read(ByteBuffer dst) throws VfioException {
        long linkNanos;
        int n = 0;
        boolean temporaryEnd;
        device.lock.lock();
        try {
            checkOpen("read(data_fd)");
            device.advance();
            while (dst.hasRemaining()) {
                if (current == null || !current.hasRemaining()) {
                    current = nextRecord();
                    if (current == null) {
                        break;
                    }
                }
                int k = Math.min(dst.remaining(), current.remaining());
                ByteBuffer slice = current.duplicate();
                slice.limit(slice.position() + k);
                dst.put(slice);
                current.position(current.position() + k);
                n += k;
            }
            transferred += n;
            linkNanos = device.linkTransferNanos(n);
            temporaryEnd = n == 0 && !stopCopy;
        } finally {
            device.lock.unlock();
        }
        // Outside the lock: the link is busy, but listing and controls are not.
        device.clock.sleepNanos(linkNanos);
        if (temporaryEnd && device.profile.quirks().contains(Quirk.ENOMSG_AT_PRE_COPY_END)) {
            return MigrationStream.ENOMSG;
        }
        return n;
    }

    @Override
    public boolean poll(long timeoutMillis) throws VfioException {
        long deadline = device.clock.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            device.lock.lock();
            try {
                checkOpen("poll(data_fd)");
                device.advance();
                if (readable()) {
                    return true;
                }
            } finally {
                device.lock.unlock();
            }
            long left = deadline - device.clock.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted()) {
                return false;
            }
            device.clock.sleepNanos(Math.min(left, POLL_STEP_NANOS));
        }
    }

    @Override
    public int write(ByteBuffer src) throws VfioException {
        throw device.error(Errno.EBADF, "write(data_fd)",
                "this data_fd belongs to a saving session and is read-only; write resume data to the data_fd "
                        + "that STOP -> RESUMING returned");
    }

    @Override
    public PrecopyInfo precopyInfo(int flagsIn) throws VfioException {
        device.lock.lock();
        try {
            String call = "VFIO_MIG_GET_PRECOPY_INFO";
            device.checkPresent(call);
            MigState state = device.state();
            // mtty_precopy_ioctl checks the device state before the file.
            if (state != MigState.PRE_COPY && state != MigState.PRE_COPY_P2P) {
                throw device.error(Errno.EINVAL, call, "the device is in " + state
                        + "; VFIO_MIG_GET_PRECOPY_INFO is valid only in PRE_COPY and PRE_COPY_P2P");
            }
            checkOpen(call);
            device.advance();
            long initial = (currentIsInitial && current != null ? current.remaining() : 0)
                    + (long) (initialPages - initialNext) * recordBytes;
            long dirty = (!currentIsInitial && current != null ? current.remaining() : 0)
                    + (long) dirtySinceSent.cardinality() * recordBytes;
            // Without the opt-in the flags are reserved and go back as they came, as every driver echoed them
            // before 7.1; after it they are output, zeroed first (vfio_check_precopy_ioctl).
            int flags = flagsIn;
            if (device.precopyInfoV2()) {
                flags = reinitUnreported ? PrecopyInfo.REINIT : 0;
                reinitUnreported = false;
            }
            return new PrecopyInfo(initial, dirty, flags);
        } finally {
            device.lock.unlock();
        }
    }

    /** Under the device lock: what STOP_COPY would still stream from here (MIG_DATA_SIZE while saving). */
    long stopCopyRemaining() {
        long pages = 0;
        for (int p = 0; p < sentGeneration.length; p++) {
            if (sentGeneration[p] != image.generation(p)) {
                pages++;
            }
        }
        return (current != null ? current.remaining() : 0) + pages * recordBytes
                + (endSent ? 0 : StreamFormat.endRecordBytes());
    }

    private boolean readable() {
        if (stopCopy || (current != null && current.hasRemaining())) {
            return true; // in STOP_COPY the permanent end is readable too
        }
        return initialNext < initialPages || !dirtySinceSent.isEmpty();
    }

    private ByteBuffer nextRecord() {
        if (!stopCopy) {
            if (initialNext == initialPages && !reinitialised
                    && device.profile.quirks().contains(Quirk.REINIT_IN_PRE_COPY)) {
                reinitialise();
            }
            if (initialNext < initialPages) {
                currentIsInitial = true;
                return send(initialNext++);
            }
            int dirty = dirtySinceSent.nextSetBit(0);
            currentIsInitial = false;
            return dirty >= 0 ? send(dirty) : null;
        }
        currentIsInitial = false;
        while (stopCopyScan < sentGeneration.length) {
            int p = stopCopyScan++;
            if (sentGeneration[p] != image.generation(p)) {
                return send(p);
            }
        }
        if (!endSent) {
            endSent = true;
            return StreamFormat.endRecord(seq++, image);
        }
        return null;
    }

    /** Under the device lock: the device reconfigured, and its initial data is new. */
    private void reinitialise() {
        reinitialised = true;
        if (device.precopyInfoV2()) {
            initialNext = 0;
            dirtySinceSent.clear(); // dirty_bytes is relative to the new initial data
            reinitUnreported = true;
        } else {
            // The driver may not say REINIT: the new data is state that changed since it was sent.
            dirtySinceSent.set(0, initialPages);
        }
    }

    private ByteBuffer send(int page) {
        sentGeneration[page] = image.generation(page);
        dirtySinceSent.clear(page);
        return StreamFormat.pageRecord(seq++, image, page);
    }
}

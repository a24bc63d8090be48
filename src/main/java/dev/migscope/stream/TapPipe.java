package dev.migscope.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The copy of the main channel the decoder reads: the forwarding thread puts each chunk after it
 * has written it to the destination; the decoder's thread reads them (and, with {@code --save},
 * writes them to the file as they are read). Bounded: a forwarder that gets ahead by
 * {@link #CAPACITY} waits for the decoder, which only ever computes, so it always catches up.
 * The chunks are kept in {@link #SLOTS} direct buffers that go round: a migration of gigabytes
 * through the tap allocates nothing per chunk (a new array a chunk made the collector copy the
 * queued ones again and again, and the forwarder wait for it).
 */
final class TapPipe implements ReadableByteChannel {

    /** Bytes of one slot: what the forwarder reads from a socket at once. */
    static final int SLOT = TapConnection.BUFFER;
    static final int SLOTS = 64;
    /** Bytes queued at most. */
    static final int CAPACITY = SLOT * SLOTS;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Filled slots, flipped, in stream order. */
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    /** Empty slots; more are allocated, up to {@link #SLOTS}, while none is free. */
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private int allocated;
    private boolean closed;
    private boolean readerWaiting;
    /** The slot the reader is taking bytes from, or null. */
    private ByteBuffer current;
    private long putTotal;
    private FileChannel save;
    private IOException saveError;

    /** Keeps every byte read from now on in {@code file} too. */
    void saveTo(FileChannel file) {
        this.save = file;
    }

    /** Why writing the saved copy failed, or null. */
    IOException saveError() {
        lock.lock();
        try {
            return saveError;
        } finally {
            lock.unlock();
        }
    }

    /** Appends a copy of {@code data}'s remaining bytes; waits while the pipe is full. */
    void put(ByteBuffer data) throws InterruptedException {
        while (data.hasRemaining()) {
            ByteBuffer slot;
            lock.lock();
            try {
                while (free.isEmpty() && allocated == SLOTS && !closed) {
                    changed.await();
                }
                if (closed) {
                    return;
                }
                if (free.isEmpty()) {
                    free.add(ByteBuffer.allocateDirect(SLOT));
                    allocated++;
                }
                slot = free.poll();
            } finally {
                lock.unlock();
            }
            // Copied outside the lock: the reader takes other slots meanwhile.
            int n = Math.min(data.remaining(), SLOT);
            slot.clear();
            slot.put(data.slice(data.position(), n)).flip();
            data.position(data.position() + n);
            lock.lock();
            try {
                chunks.add(slot);
                putTotal += n;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** The end of the main channel: the reader gets -1 once it has read what is queued. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code total} bytes have been put and the reader has taken every one and waits
     * for more (or the pipe ended), at most {@code millis}: then the decoder has seen all that was
     * forwarded.
     */
    boolean awaitDrained(long total, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            while (!((putTotal >= total || closed) && chunks.isEmpty() && current == null
                    && (readerWaiting || closed))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (current == null) {
            lock.lock();
            try {
                while (chunks.isEmpty() && !closed) {
                    readerWaiting = true;
                    changed.signalAll();
                    try {
                        changed.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("the tap stopped");
                    } finally {
                        readerWaiting = false;
                    }
                }
                if (chunks.isEmpty()) {
                    changed.signalAll();
                    return -1;
                }
                current = chunks.poll();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            keep(current.duplicate());
        }
        int n = Math.min(dst.remaining(), current.remaining());
        dst.put(dst.position(), current, current.position(), n).position(dst.position() + n);
        current.position(current.position() + n);
        if (!current.hasRemaining()) {
            lock.lock();
            try {
                free.add(current);
                current = null;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        return n;
    }

    private void keep(ByteBuffer b) {
        FileChannel f = save;
        if (f == null) {
            return;
        }
        try {
            while (b.hasRemaining()) {
                f.write(b);
            }
        } catch (IOException e) {
            lock.lock();
            try {
                saveError = e;
                save = null;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Reads and drops whatever is left (after the decoder stopped), keeping the saved copy whole. */
    void drain() throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(1 << 16);
        while (read(sink) >= 0) {
            sink.clear();
        }
    }

    @Override
    public boolean isOpen() {
        return true;
    }
}

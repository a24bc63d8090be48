package dev.migscope.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection QEMU's source opened to the tap, and the one the tap opened to the destination
 * for it: two forwarding threads, source to destination and back (QEMU's return path runs on the
 * main channel). Bytes pass unchanged; the main channel's are then copied into the decoder's pipe,
 * a multifd channel's counted. What ends a direction is reported to the tap, which decides.
 */
final class TapConnection {

    /** Which QEMU's socket an end or error came from. */
    enum Side {
        SOURCE, DESTINATION;

        String label() {
            return this == SOURCE ? "source" : "destination";
        }

        Side other() {
            return this == SOURCE ? DESTINATION : SOURCE;
        }
    }

    /** What a channel is, told by its first four bytes (migration.c, migration_ioc_process_incoming). */
    enum Kind {
        UNKNOWN, MAIN, MULTIFD, OTHER
    }

    /**
     * One direction ended: {@code side}'s socket reached its end ({@code error} null) or failed.
     * {@code toDestination} names the direction.
     */
    record End(TapConnection connection, boolean toDestination, Side side, IOException error) {
    }

    /** Told of the channel's kind and of each direction's end. */
    interface Owner {
        /** Tells the channel's kind ({@link #kind(Kind)}) from its first four bytes, -1 when it had fewer. */
        void classify(TapConnection c, long magic, boolean ended);

        /** The channel's first bytes are with the decoder or counter: an end held until now can be told. */
        void classified(TapConnection c);

        void ended(End end);
    }

    /** Bytes read from a socket at once; a main-channel chunk fills one {@link TapPipe} slot. */
    static final int BUFFER = 256 << 10;

    final int number;
    final SocketChannel source;
    final SocketChannel destination;
    private final Owner owner;
    private volatile Kind kind = Kind.UNKNOWN;
    private volatile TapPipe pipe;
    private volatile MultifdChannel multifd;
    private final AtomicLong fromSource = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong toSource = new AtomicLong();
    /** Bytes of whole chunks written to the destination: each is copied to the pipe right after. */
    private final AtomicLong written = new AtomicLong();
    private Thread forward;
    private Thread back;

    TapConnection(int number, SocketChannel source, SocketChannel destination, Owner owner) {
        this.number = number;
        this.source = source;
        this.destination = destination;
        this.owner = owner;
    }

    void start(String name) {
        forward = new Thread(this::forward, name + "-" + number + "-to-destination");
        back = new Thread(this::back, name + "-" + number + "-to-source");
        forward.setDaemon(true);
        back.setDaemon(true);
        forward.start();
        back.start();
    }

    Kind kind() {
        return kind;
    }

    /** Set by the tap under its lock, so that an end seen before is held until the kind is known. */
    void kind(Kind k) {
        this.kind = k;
    }

    /** Bytes read from the source on this channel. */
    long fromSource() {
        return fromSource.get();
    }

    /** Bytes written to the destination. */
    long delivered() {
        return delivered.get();
    }

    /** Bytes of the chunks written whole to the destination (the pipe gets each once written). */
    long written() {
        return written.get();
    }

    /** Bytes of the return path, from the destination to the source. */
    long toSource() {
        return toSource.get();
    }

    MultifdChannel.Counts multifd() {
        MultifdChannel m = multifd;
        return m == null ? null : m.counts();
    }

    void decodeInto(TapPipe p) {
        this.pipe = p;
    }

    private void forward() {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        List<ByteBuffer> early = new ArrayList<>();
        long magic = 0;
        int magicBytes = 0;
        try {
            while (true) {
                buf.clear();
                int n;
                try {
                    n = source.read(buf);
                } catch (IOException e) {
                    classifyAtEnd(early, magic, magicBytes);
                    owner.ended(new End(this, true, Side.SOURCE, e));
                    return;
                }
                if (n < 0) {
                    classifyAtEnd(early, magic, magicBytes);
                    owner.ended(new End(this, true, Side.SOURCE, null));
                    return;
                }
                buf.flip();
                fromSource.addAndGet(n);
                if (kind == Kind.UNKNOWN) {
                    for (int i = 0; i < n && magicBytes < 4; i++, magicBytes++) {
                        magic = (magic << 8) | (buf.get(i) & 0xff);
                    }
                    early.add(copy(buf));
                }
                try {
                    while (buf.hasRemaining()) {
                        delivered.addAndGet(destination.write(buf));
                    }
                    written.addAndGet(n);
                } catch (IOException e) {
                    owner.ended(new End(this, true, Side.DESTINATION, e));
                    return;
                }
                if (kind == Kind.UNKNOWN) {
                    if (magicBytes == 4) {
                        owner.classify(this, magic, false);
                        for (ByteBuffer b : early) {
                            pass(b);
                        }
                        early.clear();
                        owner.classified(this);
                    }
                } else {
                    buf.flip();
                    pass(buf);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void classifyAtEnd(List<ByteBuffer> early, long magic, int magicBytes) throws InterruptedException {
        if (kind == Kind.UNKNOWN) {
            owner.classify(this, magicBytes == 4 ? magic : -1, true);
            for (ByteBuffer b : early) {
                pass(b);
            }
            owner.classified(this);
        }
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    /** The copy: the decoder's pipe for the main channel, the counter for a multifd one. */
    private void pass(ByteBuffer b) throws InterruptedException {
        TapPipe p = pipe;
        if (p != null) {
            p.put(b);
            return;
        }
        if (kind == Kind.MULTIFD) {
            MultifdChannel m = multifd;
            if (m == null) {
                m = new MultifdChannel();
                multifd = m;
            }
            m.feed(b);
        }
    }

    private void back() {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
        while (true) {
            buf.clear();
            int n;
            try {
                n = destination.read(buf);
            } catch (IOException e) {
                owner.ended(new End(this, false, Side.DESTINATION, e));
                return;
            }
            if (n < 0) {
                owner.ended(new End(this, false, Side.DESTINATION, null));
                return;
            }
            buf.flip();
            try {
                while (buf.hasRemaining()) {
                    toSource.addAndGet(source.write(buf));
                }
            } catch (IOException e) {
                owner.ended(new End(this, false, Side.SOURCE, e));
                return;
            }
        }
    }

    /** Half-closes the destination: it reads what was forwarded, then the end (a finished stream). */
    void endDestination() {
        try {
            destination.shutdownOutput();
        } catch (IOException ignored) {
            // it closed first: nothing left to tell it
        }
    }

    /** Half-closes the source after the destination ended its direction. */
    void endSource() {
        try {
            source.shutdownOutput();
        } catch (IOException ignored) {
            // it closed first
        }
    }

    /** Closes both sockets: the threads then end with an error nobody waits for. */
    void close() {
        closeQuietly(source);
        closeQuietly(destination);
    }

    void join(long millis) throws InterruptedException {
        if (forward != null) {
            forward.join(millis);
            back.join(millis);
        }
    }

    boolean finished() {
        return forward != null && !forward.isAlive() && !back.isAlive();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing on the way out: nothing to report
        }
    }
}

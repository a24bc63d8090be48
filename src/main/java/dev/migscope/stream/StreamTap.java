package dev.migscope.stream;

import dev.migscope.device.MigrationFile;
import dev.migscope.device.Visible;
import dev.migscope.stream.TapConnection.End;
import dev.migscope.stream.TapConnection.Kind;
import dev.migscope.stream.TapConnection.Side;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A live tap on one migration: QEMU's source migrates to LISTEN, the tap forwards every byte of
 * every connection unchanged, both ways, to the destination's {@code -incoming} (FORWARD), and
 * decodes a copy of the main channel with {@link StreamDecoder} on its own thread, over a bounded
 * {@link TapPipe}. Multifd channels are forwarded and counted ({@link MultifdChannel}).
 *
 * <p>It never sends a byte of its own. When one side drops before the stream's end (QEMU_VM_EOF),
 * it closes the other side's connection, so that QEMU there fails too, and says which side dropped
 * after how many bytes. It says the migration completed only when the destination was given the
 * whole stream through QEMU_VM_EOF and both sides then closed.
 */
public final class StreamTap implements TapConnection.Owner, AutoCloseable {

    /** After the stream's end, how long the other side may take to close its connection. */
    static final long GRACE_MILLIS = 30_000;
    /** How long the decoder may take to read what is queued (it only computes: milliseconds). */
    private static final long DRAIN_MILLIS = 30_000;
    /** Connections beyond this are refused (QEMU opens 1 + multifd-channels, at most 255). */
    static final int MAX_CONNECTIONS = 300;

    /** Told of what passes, live. {@link #section} runs on the decoder's thread. */
    public interface Listener {
        /** A connection was told apart: "main", "multifd", or "other" (postcopy preempt, unknown). */
        default void channel(int number, String kind) {
        }

        default void section(Section section, StreamDecoder decoder) {
        }

        /** Decoding stopped on damage; forwarding goes on. */
        default void decodingStopped(StreamException e) {
        }
    }

    /**
     * How the tap ended.
     *
     * @param completed  the destination got the whole stream through QEMU_VM_EOF and both sides closed
     * @param verdict    one line: what happened, which side dropped after how many bytes
     * @param summary    the main channel as decoded (null when no main channel came)
     * @param fromSource main-channel bytes read from the source
     * @param delivered  main-channel bytes written to the destination
     * @param toSource   return-path bytes, destination to source
     * @param multifd    each multifd channel's counts
     * @param otherChannels connections that were neither main nor multifd
     * @param notes      what else was seen (multifd device state, a save that failed)
     * @param saved      the --save file, when it was installed
     */
    public record Result(boolean completed, String verdict, StreamSummary summary, long fromSource, long delivered,
            long toSource, List<MultifdChannel.Counts> multifd, int otherChannels, List<String> notes,
            Optional<Path> saved) {

        /** Each multifd channel as a line. */
        public List<String> multifdLines() {
            return multifd.stream().map(MultifdChannel.Counts::text).toList();
        }
    }

    private final TapEndpoint listenAt;
    private final TapEndpoint forwardTo;
    private final Path save;
    private final Listener listener;
    private final LinkedBlockingQueue<Object> ends = new LinkedBlockingQueue<>();
    private final List<TapConnection> connections = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final java.util.Map<TapConnection, End> early = new java.util.HashMap<>();
    private final TapPipe pipe = new TapPipe();
    private ServerSocketChannel server;
    private TapEndpoint bound;
    private Path saveTemp;
    private FileChannel saveChannel;
    private TapConnection main;
    private Thread decoderThread;
    private volatile StreamDecoder decoder;
    /** The decoder stopped because the bytes ended (a cut stream), not on damage. */
    private volatile boolean cut;
    private volatile StreamSummary summary;
    private volatile boolean finished;

    private record Interrupt(String why) {
    }

    public StreamTap(TapEndpoint listen, TapEndpoint forward, Path saveOrNull, Listener listenerOrNull) {
        this.listenAt = listen;
        this.forwardTo = forward;
        this.save = saveOrNull;
        this.listener = listenerOrNull == null ? new Listener() { } : listenerOrNull;
    }

    /**
     * Opens the --save file (0600, created exclusively beside its target) and starts listening;
     * returns where (a {@code tcp:HOST:0} gets its port).
     */
    public TapEndpoint start() throws IOException {
        if (save != null) {
            saveTemp = MigrationFile.temporaryFor(save);
            saveChannel = MigrationFile.ChannelOpener.DEFAULT.open(saveTemp);
            pipe.saveTo(saveChannel);
        }
        try {
            server = listenAt.listen();
            bound = listenAt.bound(server);
        } catch (IOException e) {
            if (saveChannel != null) {
                MigrationFile.discard(saveChannel, saveTemp);
            }
            throw e;
        }
        Thread acceptor = new Thread(this::accept, "migscope-tap-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return bound;
    }

    private void accept() {
        int number = 0;
        while (true) {
            SocketChannel src;
            try {
                src = server.accept();
            } catch (IOException e) {
                if (!finished) {
                    ends.add(new Interrupt("listening on " + bound + " failed: " + Visible.of(e.getMessage())));
                }
                return;
            }
            number++;
            if (number > MAX_CONNECTIONS) {
                close(src);
                continue;
            }
            SocketChannel dst;
            try {
                dst = forwardTo.connect();
            } catch (IOException e) {
                close(src);
                ends.add(new Interrupt("cannot connect to the destination " + forwardTo + ": "
                        + Visible.of(String.valueOf(e.getMessage())) + "; closed the source's connection " + number));
                continue;
            }
            TapConnection c = new TapConnection(number, src, dst, this);
            synchronized (this) {
                if (finished) {
                    c.close();
                    return;
                }
                connections.add(c);
            }
            c.start("migscope-tap");
        }
    }

    @Override
    public synchronized void classify(TapConnection c, long magic, boolean ended) {
        Kind k;
        if (magic == StreamDecoder.MAGIC && main == null) {
            k = Kind.MAIN;
        } else if (magic == MultifdChannel.MAGIC) {
            k = Kind.MULTIFD;
        } else if (main == null && connections.indexOf(c) == 0) {
            // Not QEMU's main channel, yet the first to come: decoded, so that the decoder names what it is.
            k = Kind.MAIN;
        } else {
            k = Kind.OTHER;
        }
        if (k == Kind.MAIN) {
            main = c;
            c.decodeInto(pipe);
            decoderThread = new Thread(this::decode, "migscope-tap-decoder");
            decoderThread.setDaemon(true);
            decoderThread.start();
        }
        c.kind(k);
        listener.channel(c.number, k.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public void classified(TapConnection c) {
        End held;
        synchronized (this) {
            held = early.remove(c);
        }
        if (held != null) {
            ended(held);
        }
    }

    private void decode() {
        StreamInput in = new StreamInput(pipe, 0);
        StreamDecoder d = new StreamDecoder(in, "tap " + bound, null, listener::section, null);
        decoder = d;
        StreamSummary s = d.decode();
        cut = s.failure().isPresent() && in.reachedEnd();
        summary = s;
        if (!cut) {
            s.failure().ifPresent(listener::decodingStopped);
        }
        try {
            pipe.drain();
        } catch (IOException e) {
            // the tap is stopping: the saved copy is not installed then
        }
    }

    @Override
    public void ended(End end) {
        TapConnection c = end.connection();
        synchronized (this) {
            if (c.kind() == Kind.UNKNOWN && !end.toDestination()) {
                // The destination's side ended before the source's first bytes told what the channel is.
                early.put(c, end);
                return;
            }
        }
        if (c.kind() == Kind.MAIN) {
            ends.add(end);
            return;
        }
        // Any other channel is a plain forward: an orderly end passes on, an error closes both.
        if (end.error() != null) {
            c.close();
        } else if (end.toDestination()) {
            c.endDestination();
        } else {
            c.endSource();
        }
    }

    /** Ctrl-C: closes both sides; {@link #await()} then returns the verdict. */
    @Override
    public void close() {
        ends.add(new Interrupt("interrupted"));
    }

    /** Runs until the main channel has ended and returns how. */
    public Result await() throws InterruptedException {
        String verdict;
        boolean completed = false;
        Object first = ends.take();
        if (first instanceof Interrupt i) {
            TapConnection m = mainConnection();
            verdict = i.why().equals("interrupted")
                    ? "interrupted: closed both QEMUs' connections after " + n(m == null ? 0 : m.fromSource())
                            + " bytes of the main channel; the migration fails on both"
                    : i.why();
            closeAll();
            finishDecoder();
        } else {
            End e = (End) first;
            if (e.toDestination()) {
                pipe.close();
                finishDecoder();
            } else {
                pipe.awaitDrained(main.written(), DRAIN_MILLIS);
            }
            long eof = decoderEof();
            boolean whole = eof >= 0 && eof < main.delivered();
            StreamException damage = decodingFailure();
            boolean sourceDone = e.toDestination() && e.side() == Side.SOURCE && e.error() == null;
            if (whole || (sourceDone && damage != null)) {
                if (e.toDestination() && e.side() == Side.SOURCE) {
                    main.endDestination();
                }
                Object second = ends.poll(GRACE_MILLIS, TimeUnit.MILLISECONDS);
                if (second == null) {
                    notes.add("the " + e.side().other().label() + " did not close the main channel within "
                            + GRACE_MILLIS / 1000 + " s of the stream's end; the tap closed it");
                }
                closeAll();
                finishDecoder();
                if (whole) {
                    completed = true;
                    verdict = "completed: the destination got the whole stream (" + n(main.delivered())
                            + " bytes, QEMU_VM_EOF at " + StreamInput.hex(eof) + "), and both sides closed";
                } else {
                    verdict = "the source closed the main channel after " + n(main.fromSource()) + " bytes, all "
                            + "forwarded; decoding stopped at " + damage.line() + ", so the tap cannot tell whether "
                            + "the migration completed";
                }
            } else {
                closeAll();
                finishDecoder();
                verdict = dropped(e, decodingFailure());
            }
        }
        waitForOthers(completed);
        return result(completed, verdict);
    }

    private String dropped(End e, StreamException damage) {
        Side side = e.side();
        long bytes = side == Side.SOURCE ? main.fromSource() : main.delivered();
        String how = e.error() == null ? "closed the main channel" : "dropped the main channel ("
                + Visible.of(e.error().getMessage() != null ? e.error().getMessage()
                        : e.error().getClass().getSimpleName()) + ")";
        return "the " + side.label() + " " + how + " after " + n(bytes) + " bytes"
                + (side == Side.DESTINATION ? " forwarded to it" : "") + ", before the stream's end (QEMU_VM_EOF); "
                + "the tap closed the " + side.other().label() + "'s connection, so the migration fails there too"
                + (damage != null ? "; decoding had stopped at " + damage.line() : "");
    }

    private synchronized TapConnection mainConnection() {
        return main;
    }

    private long decoderEof() {
        StreamSummary s = summary;
        if (s != null) {
            return s.eofOffset();
        }
        StreamDecoder d = decoder;
        return d == null ? -1 : d.eofOffset();
    }

    /** Where decoding stopped on damage; null while it goes on, after a whole stream, or at a cut. */
    private StreamException decodingFailure() {
        StreamSummary s = summary;
        return s == null || cut ? null : s.failure().orElse(null);
    }

    private void finishDecoder() throws InterruptedException {
        pipe.close();
        Thread t;
        synchronized (this) {
            t = decoderThread;
        }
        if (t != null) {
            t.join(DRAIN_MILLIS);
        }
    }

    private void closeAll() {
        List<TapConnection> all;
        synchronized (this) {
            finished = true;
            all = List.copyOf(connections);
        }
        if (main != null) {
            main.close();
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing on the way out
        }
        listenAt.unlink();
        for (TapConnection c : all) {
            if (c.kind() != Kind.MULTIFD) {
                c.close();
            }
        }
    }

    /** Multifd channels end on their own after a migration; after a failure they are closed at once. */
    private void waitForOthers(boolean completed) throws InterruptedException {
        List<TapConnection> all;
        synchronized (this) {
            all = List.copyOf(connections);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(completed ? 5 : 0);
        for (TapConnection c : all) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) {
                c.join(left);
            }
            c.close();
        }
    }

    private Result result(boolean completed, String verdict) {
        StreamSummary s = summary;
        List<MultifdChannel.Counts> multifd = new ArrayList<>();
        int other = 0;
        synchronized (this) {
            for (TapConnection c : connections) {
                if (c.kind() == Kind.MULTIFD && c.multifd() != null) {
                    multifd.add(c.multifd());
                } else if (c != main) {
                    other++;
                }
            }
        }
        for (MultifdChannel.Counts m : multifd) {
            if (m.deviceStatePackets() > 0) {
                notes.add("QEMU carried device state over multifd channel " + m.id() + " (multifd device state, "
                        + "QEMU 10): " + String.join(", ", m.deviceStateBytes().keySet().stream().map(Visible::of)
                                .toList()) + "; the main stream has no DATA_STATE for " + (m.deviceStateBytes().size() == 1
                                ? "that device" : "those devices"));
            }
        }
        Optional<Path> saved = Optional.empty();
        if (saveChannel != null) {
            IOException failed = pipe.saveError();
            if (completed && failed == null && s != null && s.complete()) {
                try {
                    MigrationFile.install(saveChannel, saveTemp, save);
                    saved = Optional.of(save);
                } catch (IOException e) {
                    failed = e;
                }
            }
            if (saved.isEmpty()) {
                MigrationFile.discard(saveChannel, saveTemp);
                notes.add("--save: no file written" + (failed != null ? " (" + Visible.of(String.valueOf(
                        failed.getMessage())) + ")" : ": the migration did not complete"));
            }
        }
        TapConnection m = main;
        return new Result(completed, verdict, s, m == null ? 0 : m.fromSource(), m == null ? 0 : m.delivered(),
                m == null ? 0 : m.toSource(), List.copyOf(multifd), other, List.copyOf(notes), saved);
    }

    private static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // refusing a connection
        }
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}

package dev.migscope.stream;

import dev.migscope.json.Json;
import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.QemuStreamBuilder;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a tap costs, against socat, interleaved per round (socat, tap, socat, tap, ...):
 * <ul>
 * <li>{@code forward ROUNDS MIB}: a QEMU stream of MIB MiB of RAM pages (QemuStreamBuilder: whole
 * pages, one pass, as QEMU writes them) sent through a UNIX socket pair by one
 * {@code socat -b 262144 UNIX-LISTEN UNIX-CONNECT} process, or one {@code migscope tap} process
 * (its own JVM, decoding as it forwards): from the sender's connect to the receiver's last byte
 * (the end of stream comes later from the tap, once its decoder has read QEMU_VM_EOF). Prints {@code round=N socat_Bps=X tap_Bps=Y}.</li>
 * <li>{@code migrate ROUNDS MEMORY_MIB}: a RAM-only migration between two fresh QEMU 10 processes
 * (TCG, idle SeaBIOS) over UNIX sockets, direct, through one socat process (a middle hop that only
 * copies: what any process between costs) or through one {@code migscope tap} process;
 * QEMU's total-time, max-bandwidth lifted to 100 GiB/s. With {@code TAP_QEMU_FILL=MIB}, QEMU's generic loader fills that much of the
 * source's RAM with random bytes (the same file every migration), so that the stream carries
 * MIB MiB of pages rather than zero pages. Prints {@code round=N direct_ms=X socat_ms=Y tap_ms=Z}.</li>
 * </ul>
 * The tap is started as {@code java -cp CLASSPATH dev.migscope.Main tap}, as a user runs it.
 */
public final class TapBench {

    private TapBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int rounds = Integer.parseInt(args[1]);
        int size = Integer.parseInt(args[2]);
        if (mode.equals("forward")) {
            // Sent from one direct buffer: a heap array would make the JDK copy it whole into a
            // temporary direct buffer on the first send, a cost of whichever forwarder goes first.
            byte[] built = ramStream(size);
            ByteBuffer stream = ByteBuffer.allocateDirect(built.length).put(built).flip();
            for (int r = 1; r <= rounds; r++) {
                double socat = forward(stream, "socat");
                double tap = forward(stream, "tap");
                System.out.printf("round=%d socat_Bps=%.0f tap_Bps=%.0f%n", r, socat, tap);
            }
        } else {
            int fillMib = Integer.parseInt(System.getenv().getOrDefault("TAP_QEMU_FILL", "0"));
            Path fill = fillMib == 0 ? null : randomFile(fillMib);
            for (int r = 1; r <= rounds; r++) {
                long direct = migrate(size, fill, "direct");
                long socat = migrate(size, fill, "socat");
                long tap = migrate(size, fill, "tap");
                System.out.printf("round=%d direct_ms=%d socat_ms=%d tap_ms=%d%n", r, direct, socat, tap);
            }
        }
        System.exit(0);
    }

    /** One pass over {@code mib} MiB of pages, 1 MiB a PART, then a page of stop-copy and EOF. */
    static byte[] ramStream(int mib) {
        long bytes = (long) mib << 20;
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").ramSetup(2, bytes);
        long pages = bytes / 4096;
        for (long p = 0; p < pages; p += 256) {
            long[] part = new long[256];
            for (int i = 0; i < 256; i++) {
                part[i] = p + i;
            }
            b.ramPages(0x02, 2, part);
        }
        return b.ramPages(0x03, 2, 0).eof().build();
    }

    private static Process start(String how, Path listen, Path forward) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        if (how.equals("socat")) {
            cmd.addAll(List.of("socat", "-b", "262144", "UNIX-LISTEN:" + listen, "UNIX-CONNECT:" + forward));
        } else {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            // TAP_JAVA_OPTS: JVM flags of the tap's process (a variant: -XX:TieredStopAtLevel=1)
            String opts = System.getenv().getOrDefault("TAP_JAVA_OPTS", "").strip();
            if (!opts.isEmpty()) {
                cmd.addAll(List.of(opts.split("\\s+")));
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.migscope.Main", "tap",
                    "unix:" + listen, "unix:" + forward));
        }
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(listen)) {
            if (System.nanoTime() > deadline || !p.isAlive()) {
                throw new IllegalStateException(how + " did not listen on " + listen);
            }
            Thread.sleep(5);
        }
        return p;
    }

    /** Bytes per second from the sender's connect to the receiver's end of stream. */
    private static double forward(ByteBuffer stream, String how) throws Exception {
        Path dir = Files.createTempDirectory("migscope-tap-bench");
        Path listen = dir.resolve("in.sock");
        Path forward = dir.resolve("out.sock");
        try (ServerSocketChannel receiver = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            receiver.bind(UnixDomainSocketAddress.of(forward));
            Process p = start(how, listen, forward);
            long[] whole = new long[1];
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = receiver.accept()) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                    long n = 0;
                    int r;
                    while ((r = c.read(buf)) >= 0) {
                        n += r;
                        if (n == stream.capacity()) {
                            whole[0] = System.nanoTime();
                        }
                        buf.clear();
                    }
                    return n;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long t0 = System.nanoTime();
            try (SocketChannel s = connect(listen)) {
                ByteBuffer b = stream.duplicate();
                while (b.hasRemaining()) {
                    s.write(b);
                }
                s.shutdownOutput();
                long n = received.get(300, TimeUnit.SECONDS);
                long t1 = whole[0];
                if (n != stream.capacity()) {
                    throw new IllegalStateException(how + " forwarded " + n + " of " + stream.capacity() + " bytes");
                }
                p.waitFor(60, TimeUnit.SECONDS);
                return stream.capacity() / ((t1 - t0) / 1e9);
            } finally {
                p.destroyForcibly();
                Files.deleteIfExists(listen);
                Files.deleteIfExists(forward);
                Files.deleteIfExists(dir);
            }
        }
    }

    /** socat makes its socket file at bind(), just before listen(): a connect in between is refused. */
    private static SocketChannel connect(Path socket) throws Exception {
        for (int i = 0; ; i++) {
            try {
                return SocketChannel.open(UnixDomainSocketAddress.of(socket));
            } catch (java.net.ConnectException e) {
                if (i == 500) {
                    throw e;
                }
                Thread.sleep(2);
            }
        }
    }

    /** MIB MiB of random bytes in a file deleted at exit. */
    private static Path randomFile(int mib) throws java.io.IOException {
        Path f = Files.createTempFile("migscope-tap-bench", ".fill");
        f.toFile().deleteOnExit();
        java.util.SplittableRandom random = new java.util.SplittableRandom(22);
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(f)) {
            for (int i = 0; i < mib; i++) {
                for (int j = 0; j < chunk.length; j += 8) {
                    long v = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        chunk[j + k] = (byte) (v >>> (8 * k));
                    }
                }
                out.write(chunk);
            }
        }
        return f;
    }

    /** One migration, direct or through socat or a tap; QEMU's total-time. */
    private static long migrate(int memory, Path fill, String how) throws Exception {
        boolean direct = how.equals("direct");
        Path dir = Files.createTempDirectory("migscope-tap-bench");
        Path dst = dir.resolve("dst.sock");
        Path middleSock = dir.resolve("middle.sock");
        Process middle = null;
        List<String> source = new java.util.ArrayList<>(List.of("-m", String.valueOf(memory)));
        if (fill != null) {
            // at 128 MiB, above the BIOS and the low RAM SeaBIOS uses
            source.addAll(List.of("-device", "loader,file=" + fill + ",addr=0x8000000,force-raw=on"));
        }
        try (QemuProcess s = QemuProcess.start(dir, "src", source.toArray(String[]::new));
                QemuProcess d = QemuProcess.start(dir, "dst", "-m", String.valueOf(memory), "-incoming",
                        "unix:" + dst)) {
            s.enableCapabilities("events");
            // QEMU's default cap (128 MiB/s) would time its throttle, not the path: 100 GiB/s
            s.control().call("migrate-set-parameters", Json.object().put("max-bandwidth", 100L << 30));
            if (!direct) {
                middle = start(how, middleSock, dst);
            }
            // the same guest age either way: an idle SeaBIOS guest dirties memory in its first second
            Thread.sleep(1500);
            s.control().call("migrate", Json.object().put("uri", "unix:" + (direct ? dst : middleSock)));
            while (true) {
                String status = s.awaitEvent("MIGRATION").data().path("status").asText();
                if (status.equals("completed")) {
                    break;
                }
                if (status.equals("failed") || status.equals("cancelled")) {
                    throw new IllegalStateException("the migration " + status);
                }
            }
            long total = s.control().call("query-migrate", Json.object()).path("total-time").asLong();
            if (how.equals("tap") && (!middle.waitFor(60, TimeUnit.SECONDS) || middle.exitValue() != 0)) {
                throw new IllegalStateException("the tap did not report a completed migration");
            }
            return total;
        } finally {
            if (middle != null) {
                middle.destroyForcibly();
            }
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}

package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.json.Json;
import dev.migscope.testsupport.QemuProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code migscope tap} between two real QEMU 10 processes (RAM only: the host has no VFIO device;
 * the rig's TapVmTest migrates mtty through it): over unix: and tcp:, a source or destination that
 * dies mid-way, a tap stopped mid-way, garbage from a fake source.
 */
class TapCommandTest {

    private static final Pattern RAM_PASS = Pattern.compile("ram precopy pass (\\d+): ([\\d,]+) pages");
    private static final Pattern STREAM_PASS = Pattern.compile("^  pass (\\d+): ([\\d,]+) pages", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private static LiveCli tap(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "tap";
        System.arraycopy(args, 0, all, 1, args.length);
        return new LiveCli(MigscopeCli.commandLine(sim -> QemuProcess.NO_HOST_DEVICES, false), Duration.ofSeconds(120),
                all);
    }

    @Test
    void ramMigrationThroughTheTapOverUnixCompletesAndItsSaveReadsWhole() throws Exception {
        Path saved = dir.resolve("saved.qemu");
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + dstSock);
                QemuProcess src = QemuProcess.start(dir, "src")) {
            LiveCli t = tap("unix:" + tapSock, "unix:" + dstSock, "--save", saved.toString());
            t.awaitOut("tap: listening on unix:" + tapSock, 1);
            src.migrateAndWait("unix:" + tapSock);
            assertThat(t.exit()).as(t.err.toString()).isZero();
            assertThat(status(dst)).isEqualTo("running");
            assertThat(t.out.toString()).contains("connection 1: main channel").contains("ram stop-copy:")
                    .contains("complete: QEMU_VM_EOF").contains("tap: completed: the destination got the whole stream");
            assertThat(Files.exists(tapSock)).as("the tap removes its socket").isFalse();

            CliHarness.Run read = CliHarness.run(sim -> QemuProcess.NO_HOST_DEVICES, "stream", saved.toString());
            assertThat(read.code()).as(read.err()).isZero();
            assertThat(read.out()).contains("complete: QEMU_VM_EOF");
            List<String> live = passes(RAM_PASS, t.out.toString());
            assertThat(live).isNotEmpty().isEqualTo(passes(STREAM_PASS, read.out()));
            assertThat(Files.getPosixFilePermissions(saved)).extracting(Object::toString)
                    .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        }
    }

    @Test
    void ramMigrationThroughTheTapOverTcpCompletesWithJsonLines() throws Exception {
        int tapPort = freePort();
        int dstPort = freePort();
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "tcp:127.0.0.1:" + dstPort);
                QemuProcess src = QemuProcess.start(dir, "src")) {
            awaitListening(dstPort);
            LiveCli t = tap("tcp:127.0.0.1:" + tapPort, "tcp:127.0.0.1:" + dstPort, "--json");
            t.awaitOut("\"event\":\"listening\"", 1);
            src.migrateAndWait("tcp:127.0.0.1:" + tapPort);
            assertThat(t.exit()).as(t.err.toString()).isZero();
            assertThat(status(dst)).isEqualTo("running");
            List<JsonNode> lines = t.out.toString().lines().map(TapCommandTest::json).toList();
            JsonNode end = lines.get(lines.size() - 1);
            assertThat(end.path("event").asText()).isEqualTo("end");
            assertThat(end.path("completed").asBoolean()).isTrue();
            assertThat(end.path("summary").path("complete").asBoolean()).isTrue();
            long livePages = lines.stream().filter(l -> l.path("event").asText().equals("pass")
                    && l.path("device").asText().equals("ram")).mapToLong(l -> l.path("count").asLong()).sum();
            long summaryPages = 0;
            for (JsonNode p : end.path("summary").path("ram").path("passes")) {
                summaryPages += p.path("count").asLong();
            }
            summaryPages += end.path("summary").path("ram").path("stop_copy").path("count").asLong();
            assertThat(livePages).isPositive().isEqualTo(summaryPages);
            assertThat(end.path("delivered").asLong()).isEqualTo(end.path("main_bytes").asLong());
        }
    }

    @Test
    void multifdChannelsAreForwardedAndCountedPerChannel() throws Exception {
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "defer");
                QemuProcess src = QemuProcess.start(dir, "src")) {
            for (QemuProcess q : List.of(src, dst)) {
                q.enableCapabilities("multifd");
            }
            dst.control().call("migrate-incoming", Json.object().put("uri", "unix:" + dstSock));
            long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
            while (!Files.exists(dstSock) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            LiveCli t = tap("unix:" + tapSock, "unix:" + dstSock);
            t.awaitOut("tap: listening", 1);
            src.migrateAndWait("unix:" + tapSock);
            assertThat(t.exit()).as(t.err.toString()).isZero();
            assertThat(status(dst)).isEqualTo("running");
            String out = t.out.toString();
            // QEMU's default multifd-channels is 2: the main channel and two multifd ones.
            assertThat(out.lines().filter(l -> l.matches("connection \\d+: multifd channel"))).hasSize(2);
            assertThat(out.lines().filter(l -> l.startsWith("multifd channel "))).hasSize(2)
                    .allMatch(l -> l.matches("multifd channel [01]: [\\d,]+ bytes, \\d+ RAM packets .*"));
            assertThat(out).contains("multifd flushes");
        }
    }

    @Test
    void aDestinationDyingMidWayFailsTheSourceAndTheTapNamesItAndSavesNothing() throws Exception {
        Path saved = dir.resolve("saved.qemu");
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + dstSock);
                QemuProcess src = QemuProcess.start(dir, "src")) {
            slow(src);
            LiveCli t = tap("unix:" + tapSock, "unix:" + dstSock, "--save", saved.toString());
            t.awaitOut("tap: listening", 1);
            src.migrate(tapSock);
            t.awaitOut("connection 1: main channel", 1);
            awaitTransferred(src);
            dst.kill();
            assertThat(t.exit()).isEqualTo(ExitCode.FAILED);
            String[] err = t.err.toString().split("\\R");
            assertThat(err).hasSize(1);
            assertThat(err[0]).matches("migscope tap: the destination (closed|dropped) the main channel.* after "
                    + "[\\d,]+ bytes forwarded to it, before the stream's end \\(QEMU_VM_EOF\\); the tap closed the "
                    + "source's connection.*");
            assertThat(awaitFinalStatus(src)).isEqualTo("failed");
            assertThat(Files.exists(saved)).isFalse();
            assertThat(partFiles()).isEmpty();
        }
    }

    @Test
    void aSourceDyingMidWayFailsTheDestinationAndTheTapNamesIt() throws Exception {
        Path saved = dir.resolve("saved.qemu");
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + dstSock);
                QemuProcess src = QemuProcess.start(dir, "src")) {
            slow(src);
            LiveCli t = tap("unix:" + tapSock, "unix:" + dstSock, "--save", saved.toString());
            t.awaitOut("tap: listening", 1);
            src.migrate(tapSock);
            t.awaitOut("connection 1: main channel", 1);
            awaitTransferred(src);
            src.kill();
            assertThat(t.exit()).isEqualTo(ExitCode.FAILED);
            String[] err = t.err.toString().split("\\R");
            assertThat(err).hasSize(1);
            assertThat(err[0]).matches("migscope tap: the source (closed|dropped) the main channel.* after [\\d,]+ "
                    + "bytes, before the stream's end \\(QEMU_VM_EOF\\); the tap closed the destination's connection.*");
            assertThat(dst.exitsWithin(QemuProcess.WAIT)).as("the destination's incoming migration fails").isTrue();
            assertThat(dst.log(dir, "dst")).contains("load of migration failed");
            assertThat(Files.exists(saved)).isFalse();
            assertThat(partFiles()).isEmpty();
        }
    }

    @Test
    void aTapStoppedMidWayFailsBothQemusAndSaysSo() throws Exception {
        Path saved = dir.resolve("saved.qemu");
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + dstSock);
                QemuProcess src = QemuProcess.start(dir, "src")) {
            slow(src);
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.migscope.Main", "tap", "unix:" + tapSock,
                    "unix:" + dstSock, "--save", saved.toString())
                    .redirectOutput(dir.resolve("tap.out").toFile()).redirectError(dir.resolve("tap.err").toFile());
            Process tap = pb.start();
            try {
                stoppedMidWay(tap, src, dst, tapSock, saved);
            } finally {
                tap.destroyForcibly();
            }
        }
    }

    private void stoppedMidWay(Process tap, QemuProcess src, QemuProcess dst, Path tapSock, Path saved)
            throws Exception {
        // Its first line says it listens: the socket file alone appears at bind(), a moment before listen().
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        Path out = dir.resolve("tap.out");
        while (!(Files.exists(out) && Files.readString(out).contains("listening on")) && tap.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        src.migrate(tapSock);
        try {
            awaitTransferred(src);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the tap said: " + Files.readString(dir.resolve("tap.err"))
                    + Files.readString(dir.resolve("tap.out")), e);
        }
        tap.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook closes both sides
        assertThat(tap.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(tap.exitValue()).isNotZero();
        String err = Files.readString(dir.resolve("tap.err"));
        assertThat(err).matches("(?s)migscope tap: interrupted: closed both QEMUs' connections after [\\d,]+ "
                + "bytes of the main channel; the migration fails on both\\R?");
        assertThat(awaitFinalStatus(src)).isEqualTo("failed");
        assertThat(dst.exitsWithin(QemuProcess.WAIT)).as("the destination's incoming migration fails").isTrue();
        assertThat(Files.exists(saved)).isFalse();
        assertThat(partFiles()).isEmpty();
    }

    @Test
    void garbageFromAFakeSourceIsOneLine() throws Exception {
        Path tapSock = dir.resolve("tap.sock");
        Path dstSock = dir.resolve("dst.sock");
        try (QemuProcess dst = QemuProcess.start(dir, "dst", "-incoming", "unix:" + dstSock)) {
            LiveCli t = tap("unix:" + tapSock, "unix:" + dstSock);
            t.awaitOut("tap: listening", 1);
            byte[] garbage = new byte[64 << 10];
            new Random(22).nextBytes(garbage);
            try (SocketChannel fake = SocketChannel.open(UnixDomainSocketAddress.of(tapSock))) {
                ByteBuffer b = ByteBuffer.wrap(garbage);
                try {
                    while (b.hasRemaining()) {
                        fake.write(b);
                    }
                } catch (IOException closedByTheTap) {
                    // the destination refused the stream and the tap closed this side
                }
                assertThat(t.exit()).isEqualTo(ExitCode.FAILED);
            }
            String[] err = t.err.toString().split("\\R");
            assertThat(err).hasSize(1);
            assertThat(err[0]).startsWith("migscope tap: the destination ")
                    .contains("decoding had stopped at offset 0x0 (0): not a QEMU migration stream");
            assertThat(t.out.toString()).contains("decoding stopped at offset 0x0 (0): not a QEMU migration stream");
        }
    }

    private List<String> partFiles() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".part")).toList();
        }
    }

    private static List<String> passes(Pattern p, String text) {
        Matcher m = p.matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1) + ":" + m.group(2));
        }
        return out;
    }

    private static JsonNode json(String line) {
        try {
            return Json.read(line);
        } catch (IOException e) {
            throw new AssertionError("not one JSON document: " + line, e);
        }
    }

    private static String status(QemuProcess q) throws Exception {
        return q.control().call("query-status", Json.object()).path("status").asText();
    }

    /** 256 KiB/s: the idle 64 MiB guest's stream takes seconds, so that something can die mid-way. */
    static void slow(QemuProcess src) throws Exception {
        src.control().call("migrate-set-parameters", Json.object().put("max-bandwidth", 262144));
    }

    /** Until the source has sent some RAM (the migration is under way). */
    static void awaitTransferred(QemuProcess src) throws Exception {
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode info = src.control().call("query-migrate", Json.object());
            if (info.path("ram").path("transferred").asLong() > 100_000) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the migration did not get under way: "
                + src.control().call("query-migrate", Json.object()));
    }

    static String awaitFinalStatus(QemuProcess src) throws Exception {
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = src.control().call("query-migrate", Json.object()).path("status").asText();
            if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")) {
                return status;
            }
            Thread.sleep(50);
        }
        return status;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** QEMU binds -incoming tcp: after its QMP sockets; connecting to see would be a migration attempt. */
    private static void awaitListening(int port) throws Exception {
        String hex = String.format(":%04X ", port);
        long deadline = System.nanoTime() + QemuProcess.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readAllLines(Path.of("/proc/net/tcp")).stream().anyMatch(l -> l.contains(hex)
                    && l.trim().split("\\s+")[3].equals("0A"))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing listens on port " + port);
    }
}

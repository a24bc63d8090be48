package dev.migscope.session;

import dev.migscope.testsupport.FullDiskChannel;
import dev.migscope.view.StreamResult;
import dev.migscope.view.Progress;
import dev.migscope.view.Cancellation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimProfile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of damaged stream files offered to a simulated device: bit flips at random offsets,
 * truncation at every byte of the header and around every phase boundary, wrong magic and version,
 * huge declared lengths (with a valid header checksum, so the length check itself is what refuses
 * them), trailing bytes, random garbage, and files from another driver or feature set. Every one is
 * refused with a message naming the problem before a single call reaches the device (counted under
 * the session by {@link CountingBackend}). Saves that hit a full disk at any byte, or an unwritable
 * path, leave no file and report the state the device is really in.
 */
class StreamFileFuzzTest {

    static final long PAGE = SimProfile.PAGE_BYTES;

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final CountingBackend backend = new CountingBackend(new SimBackend(clock, devices()));
    final DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(backend), true);
    final List<MigrationSession> sessions = new ArrayList<>();
    MigrationSession target;
    byte[] good;
    int headerEnd;
    List<Integer> phaseLengthOffsets;
    int refused;

    static Map<String, SimProfile> devices() {
        long mib = 1 << 20;
        Map<String, SimProfile> m = new LinkedHashMap<>();
        m.put("sim:fuzz-0", new SimProfile("sim_fuzz", MigFeatures.ALL, "migscope", "fuzz", 2 * PAGE, PAGE, mib,
                1024 * mib, false, 0));
        m.put("sim:fuzz-1", new SimProfile("sim_fuzz", MigFeatures.ALL, "migscope", "fuzz", 2 * PAGE, PAGE, mib,
                1024 * mib, false, 0));
        m.put("sim:fuzz-p2p", new SimProfile("sim_fuzz", MigFeatures.parse("stop-copy,p2p"), "migscope", "fuzz",
                2 * PAGE, 0, mib, 1024 * mib, false, 0));
        m.put("sim:other", new SimProfile("sim_other", MigFeatures.ALL, "migscope", "other", 2 * PAGE, PAGE, mib,
                1024 * mib, false, 0));
        return m;
    }

    SessionOptions options() {
        return new SessionOptions(Duration.ofHours(1), 100, SessionOptions.DEFAULT_LINK_BANDWIDTH, true,
                TransitionMode.STEPWISE, Duration.ofSeconds(1), 1 << 20, clock::nanoTime);
    }

    MigrationSession open(String id) throws Exception {
        MigrationSession s = MigrationSession.open(registry, id, options());
        sessions.add(s);
        return s;
    }

    @AfterEach
    void close() {
        sessions.forEach(MigrationSession::close);
    }

    /** Saves a good file from sim:fuzz-1, then holds sim:fuzz-0 open as the resume target. */
    @BeforeEach
    void saveAGoodFile() throws Exception {
        MigrationSession src = open("sim:fuzz-1");
        Path file = dir.resolve("good.mig");
        assertThat(FakeHarness.join(src.save(file, MigState.RUNNING, Progress.NONE, new Cancellation())).ok())
                .isTrue();
        good = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(good);
        headerEnd = 16 + b.getInt(12);
        int p = 20;
        for (int i = 0; i < 4; i++) {
            p += 2 + Short.toUnsignedInt(b.getShort(p));
        }
        p += 8; // created
        p += 2 + Short.toUnsignedInt(b.getShort(p)); // origin (format version 2)
        int count = b.getInt(p);
        p += 4;
        phaseLengthOffsets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            phaseLengthOffsets.add(p + 4);
            p += 16;
        }
        target = open("sim:fuzz-0");
    }

    private int deviceCalls() {
        return Stream.of("setState", "reset", "getState", "migDataSize", "migrationFeatures", "dmaLoggingStart",
                "dmaLoggingStop", "dmaLoggingReport").mapToInt(backend::calls).sum();
    }

    /** Offers {@code bytes} as a stream file; it must be refused untouched, with a message containing one of {@code words}. */
    private void refuse(String what, byte[] bytes, String... words) throws Exception {
        Path f = dir.resolve("fuzzed.mig");
        Files.write(f, bytes);
        int before = deviceCalls();
        StreamResult r = FakeHarness.join(target.resume(f, MigState.RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.error()).as(what).isNotNull();
        assertThat(r.error().is(Errno.EINVAL)).as(what + ": " + r.error()).isTrue();
        assertThat(r.error().message()).as(what).contains("the device was not touched").containsAnyOf(words);
        assertThat(r.transitions()).as(what).isEmpty();
        assertThat(deviceCalls()).as(what + ": no device call").isEqualTo(before);
        refused++;
    }

    @Test
    void damagedFilesAreRefusedBeforeTheDeviceIsTouched() throws Exception {
        byte[] otherDriver = save("sim:other");
        byte[] otherFeatures = save("sim:fuzz-p2p");
        long digest = SessionOnSimTest.digest(target);
        int before = backend.changes();
        SplittableRandom rnd = new SplittableRandom(42);

        // Bit flips: CRC32C catches every single-bit error; the header fields are checked first.
        for (int i = 0; i < 1_500; i++) {
            byte[] b = good.clone();
            int at = i < headerEnd * 8 ? i / 8 : rnd.nextInt(b.length);
            b[at] ^= (byte) (1 << (i < headerEnd * 8 ? i % 8 : rnd.nextInt(8)));
            refuse("bit flip at " + at, b, "corrupt", "bad magic", "format version", "truncated", "trailing",
                    "header");
        }
        // Truncation at every byte of the header, around every phase boundary, and at random in the data.
        List<Integer> cuts = new ArrayList<>();
        for (int n = 0; n <= headerEnd + 16; n++) {
            cuts.add(n);
        }
        long pos = headerEnd;
        ByteBuffer bb = ByteBuffer.wrap(good);
        for (int off : phaseLengthOffsets) {
            pos += bb.getLong(off);
            for (long d = -3; d <= 3; d++) {
                if (pos + d > headerEnd + 16 && pos + d < good.length) {
                    cuts.add((int) (pos + d));
                }
            }
        }
        for (int i = 0; i < 100; i++) {
            cuts.add(headerEnd + rnd.nextInt(good.length - headerEnd));
        }
        for (int n : cuts) {
            refuse("truncated to " + n, java.util.Arrays.copyOf(good, n), "too short", "truncated", "corrupt",
                    "bad magic", "header");
        }
        // Wrong magic and version.
        for (String magic : List.of("migscope", "MIGSCOPF", "\0\0\0\0\0\0\0\0", "QEVM\0\0\0\3")) {
            byte[] b = good.clone();
            System.arraycopy(magic.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, b, 0, 8);
            refuse("magic " + magic, b, "bad magic");
        }
        for (int version : new int[] {0, 3, 0x100, -1}) {
            byte[] b = good.clone();
            ByteBuffer.wrap(b).putInt(8, version);
            refuse("version " + version, b, "format version");
        }
        // A version 2 file (with its origin) claiming version 1 is read without one: its header fails.
        byte[] v1 = good.clone();
        ByteBuffer.wrap(v1).putInt(8, 1);
        refuse("version 1", v1, "corrupt", "truncated", "trailing", "checksum");
        // Huge declared lengths, with the header checksum made valid again.
        for (long len : new long[] {Long.MAX_VALUE, -1, 1L << 40, good.length, good.length + 1L, 0}) {
            for (int off : phaseLengthOffsets) {
                byte[] b = good.clone();
                ByteBuffer.wrap(b).putLong(off, len);
                resealHeader(b);
                refuse("phase length " + len, b, "declares", "truncated", "trailing", "CRC32C");
            }
        }
        for (int hl : new int[] {Integer.MAX_VALUE, -1, 0, 1, 65 * 1024}) {
            byte[] b = good.clone();
            ByteBuffer.wrap(b).putInt(12, hl);
            refuse("header length " + hl, b, "header length", "corrupt");
        }
        int countAt = phaseLengthOffsets.get(0) - 8;
        for (int count : new int[] {0, -1, 17, 1 << 30}) {
            byte[] b = good.clone();
            ByteBuffer.wrap(b).putInt(countAt, count);
            resealHeader(b);
            refuse("phase count " + count, b, "phases", "corrupt");
        }
        // Trailing bytes and random garbage.
        refuse("trailing bytes", java.util.Arrays.copyOf(good, good.length + 1), "trailing");
        for (int i = 0; i < 100; i++) {
            byte[] b = new byte[rnd.nextInt(4 * 1024)];
            rnd.nextBytes(b);
            if (i % 2 == 0 && b.length >= 8) {
                System.arraycopy(good, 0, b, 0, 8);
            }
            refuse("garbage " + i, b, "too short", "bad magic", "format version", "header", "corrupt");
        }
        // Whole, valid files from another driver and from another feature set.
        refuse("another driver", otherDriver, "driver");
        refuse("another feature set", otherFeatures, "features");

        System.out.println("stream file fuzz: " + refused + " damaged or foreign files refused, 0 device calls");
        assertThat(backend.changes()).isEqualTo(before);
        assertThat(SessionOnSimTest.digest(target)).isEqualTo(digest);
        assertThat(refused).isGreaterThan(1_500);
        // The control: the undamaged file does go in.
        Path f = dir.resolve("good-again.mig");
        Files.write(f, good);
        assertThat(FakeHarness.join(target.resume(f, MigState.RUNNING, Progress.NONE, new Cancellation())).ok())
                .isTrue();
        assertThat(backend.changes()).isGreaterThan(before);
    }

    private byte[] save(String id) throws Exception {
        Path file = dir.resolve(id.replace(':', '_') + ".mig");
        try (MigrationSession s = MigrationSession.open(registry, id, options())) {
            assertThat(FakeHarness.join(s.save(file, MigState.RUNNING, Progress.NONE, new Cancellation())).ok())
                    .isTrue();
        }
        return Files.readAllBytes(file);
    }

    /** Recomputes the header CRC32C over bytes [0, headerEnd - 4). */
    private void resealHeader(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, headerEnd - 4);
        ByteBuffer.wrap(b).putInt(headerEnd - 4, (int) crc.getValue());
    }

    @Test
    void aDiskThatFillsAtAnyByteLeavesNoFileAndReportsTheRealState() throws Exception {
        MigrationSession s = target;
        Path file = dir.resolve("full.mig");
        int runs = 0;
        for (long capacity = 0; capacity <= good.length + 4096; capacity += capacity < 256 ? 1 : 4093) {
            FakeHarness.join(s.transition(runs % 2 == 0 ? MigState.RUNNING : MigState.STOP));
            MigState before = listed(s.id());
            StreamResult r = FakeHarness.join(s.save(file, null, Progress.NONE, new Cancellation(),
                    FullDiskChannel.opener(capacity)));
            MigState real = listed(s.id());
            assertThat(r.finalState()).as("capacity " + capacity).isEqualTo(real);
            assertThat(s.state()).isEqualTo(real);
            if (capacity < good.length) {
                assertThat(r.error()).as("capacity " + capacity).isNotNull();
                assertThat(r.error().is(Errno.ENOSPC)).as(r.error().describe()).isTrue();
                assertThat(r.error().message()).contains("no space left");
                assertThat(real).as("recovered to where it was").isEqualTo(before);
                assertThat(leftovers()).as("capacity " + capacity).isEmpty();
            } else {
                assertThat(r.ok()).as("capacity " + capacity).isTrue();
                Files.delete(file);
            }
            runs++;
        }
        System.out.println("full disk: " + runs + " saves cut at every byte of the header and every 4 KiB after");
    }

    @Test
    void anUnwritablePathLeavesNoFileAndReportsTheRealState() throws Exception {
        Path notADir = dir.resolve("plain-file");
        Files.writeString(notADir, "x");
        for (Path p : List.of(notADir.resolve("x.mig"), dir.resolve("missing/x.mig"),
                Path.of("/proc/migscope-cannot-write-here.mig"))) {
            int before = backend.changes();
            StreamResult r = FakeHarness.join(target.save(p, null, Progress.NONE, new Cancellation()));
            assertThat(r.error()).as(p.toString()).isNotNull();
            assertThat(r.error().describe()).contains(p.toString());
            assertThat(r.finalState()).isEqualTo(listed(target.id()));
            assertThat(backend.changes()).as("no SET for a file that cannot be created").isEqualTo(before);
            assertThat(Files.exists(p)).isFalse();
        }
        assertThat(leftovers()).isEmpty();
    }

    /** The device's state as the simulator lists it: no call through the session. */
    private MigState listed(String id) {
        return registry.find(id).orElseThrow().state();
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".part") || n.equals("full.mig");
            }).toList();
        }
    }
}

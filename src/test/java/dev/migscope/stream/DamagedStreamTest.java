package dev.migscope.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.testsupport.QemuProcess;
import dev.migscope.testsupport.QemuStreamBuilder;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged streams: cut at every section boundary and next to it, bytes flipped at random, a
 * DATA_STATE of 2^63 bytes, a PART of a section never started, an endless section, more sections
 * than are kept. Each is read up to the damage and ends with one StreamException naming an offset
 * inside the file; nothing escapes, nothing grows without bound.
 */
class DamagedStreamTest {

    private static byte[] real;
    private static byte[] withDevice;
    private static QemuStreamBuilder withDeviceLayout;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void streams() throws Exception {
        Path file = shared.resolve("real.mig");
        try (QemuProcess q = QemuProcess.start(shared, "vm")) {
            q.migrateAndWait("file:" + file);
        }
        real = Files.readAllBytes(file);
        withDeviceLayout = QemuStreamBuilder.withDevice(new byte[24], new byte[72], new byte[4116]);
        withDevice = withDeviceLayout.build();
    }

    private StreamSummary read(byte[] stream) throws Exception {
        Path f = dir.resolve("damaged.mig");
        Files.write(f, stream);
        return QemuStreamFile.read(f, null).summary();
    }

    private static void assertStoppedInside(StreamSummary s, int length) {
        assertThat(s.failure()).as("a damaged stream of %d bytes", length).isPresent();
        assertThat(s.failure().get().offset()).isBetween(0L, (long) length);
        assertThat(s.failure().get().line()).startsWith("offset 0x").doesNotContain("\n");
    }

    @Test
    void aStreamCutAtEverySectionBoundaryOrNextToItStopsThereWithTheOffset() throws Exception {
        StreamSummary whole = read(real);
        assertThat(whole.failure()).isEmpty();
        for (Section x : whole.sections()) {
            for (long cut : new long[] {x.offset(), x.offset() + 1, x.offset() + x.size() - 1}) {
                StreamSummary s = read(Arrays.copyOf(real, (int) cut));
                assertStoppedInside(s, (int) cut);
                assertThat(s.failure().get().getMessage()).contains("ends");
                // Everything before the cut was read: the sections wholly before it are listed.
                assertThat(s.sections()).allMatch(y -> y.offset() + y.size() <= cut);
            }
        }
        for (int cut : withDeviceLayout.boundaries) {
            assertStoppedInside(read(Arrays.copyOf(withDevice, cut)), cut);
        }
    }

    @Test
    void flippedBytesAreReadOrRefusedWithAnOffsetNeverThrown() throws Exception {
        SplittableRandom random = new SplittableRandom(22);
        for (int i = 0; i < 400; i++) {
            byte[] base = i % 3 == 0 ? real : withDevice;
            byte[] damaged = base.clone();
            int flips = 1 + random.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = i % 2 == 0 ? random.nextInt(Math.min(damaged.length, 4096)) : random.nextInt(damaged.length);
                damaged[at] ^= (byte) (1 + random.nextInt(255));
            }
            StreamSummary s = read(damaged);
            if (s.failure().isPresent()) {
                assertStoppedInside(s, damaged.length);
            } else {
                // A flip in page data or a field's value reads as well: the structure is intact.
                assertThat(s.complete()).isTrue();
            }
        }
    }

    @Test
    void aDataStateOfTwoToTheSixtyThirdIsRefusedAtItsSize() throws Exception {
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").vfioSetup(37, "0000:00:01.0/vfio");
        int part = b.size();
        b.part(0x02, 37).be64(QemuStreamBuilder.DATA_STATE).be64(1L << 63).bytes(new byte[64]);
        StreamSummary s = read(b.build());
        assertStoppedInside(s, b.size());
        assertThat(s.failure().get().offset()).isEqualTo(part + 5 + 8);
        assertThat(s.failure().get().getMessage()).contains("DATA_STATE of 9223372036854775808 bytes");
    }

    @Test
    void aPartOfASectionNeverStartedIsRefused() throws Exception {
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").ramSetup(2, 1 << 20);
        int part = b.size();
        b.vfioData(0x02, 37, new byte[24]);
        StreamSummary s = read(b.build());
        assertThat(s.failure().get().offset()).isEqualTo(part);
        assertThat(s.failure().get().getMessage()).isEqualTo("a PART for section id 37, which no START began");
        assertThat(s.sections()).hasSize(1);
    }

    @Test
    void anEndlessSectionIsRefusedOnceItIsLongerThanAnySectionCanBe() throws Exception {
        // A live section migscope cannot decode ("block") is passed by its footer; this one never has one.
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").start(0x01, 5, "block", 0, 1);
        Path f = dir.resolve("endless.mig");
        Files.write(f, b.build());
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(StreamLimits.MAX_OPAQUE_SECTION + (64 << 20)); // sparse: zeros, no footer
        }
        StreamSummary s = QemuStreamFile.read(f, null).summary();
        assertThat(s.failure()).isPresent();
        assertThat(s.failure().get().getMessage()).contains("START section 5 (block) has no section footer",
                "within 268435456 bytes");
    }

    @Test
    void endlessRamPagesEndWhereTheStreamEnds() throws Exception {
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").ramSetup(2, 1L << 30);
        b.part(0x02, 2);
        for (int i = 0; i < 10_000; i++) {
            b.be64((long) i * 4096 | 0x002 | (i == 0 ? 0 : 0x020));
            if (i == 0) {
                b.str("pc.ram");
            }
            b.u8(0);
        }
        StreamSummary s = read(b.build());
        assertStoppedInside(s, b.size());
        assertThat(s.failure().get().getMessage()).contains("ends in PART section 2 (ram)");
        assertThat(s.ram().passes().get(0).zeroPages()).isEqualTo(10_000);
    }

    @Test
    void moreSectionsThanAreKeptAreCounted() throws Exception {
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0");
        int n = StreamLimits.SECTIONS + 1234;
        for (int i = 0; i < n; i++) {
            b.switchoverStart();
        }
        StreamSummary s = read(b.eof().build());
        assertThat(s.failure()).isEmpty();
        assertThat(s.sections()).hasSize(StreamLimits.SECTIONS);
        assertThat(s.sectionsDropped()).isEqualTo(1234);
    }

    @Test
    void notAStreamAndAnUnfinishedLibvirtSaveSayWhatTheyAre() throws Exception {
        assertThat(read("hello, world".getBytes()).failure().get().getMessage())
                .startsWith("not a QEMU migration stream: magic 0x68656c6c");
        byte[] partial = Arrays.copyOf("LibvirtQemudPart".getBytes(), 200);
        assertThat(read(partial).failure().get().getMessage()).contains("never finished");
    }
}

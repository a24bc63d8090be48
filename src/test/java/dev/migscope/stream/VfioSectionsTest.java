package dev.migscope.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.MigrationFile;
import dev.migscope.fsm.MigState;
import dev.migscope.stream.VfioRecord.Marker;
import dev.migscope.testsupport.QemuStreamBuilder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VFIO device's sections laid out as QEMU 10's hw/vfio/migration.c writes them for mtty (SETUP,
 * a precopy pass with the 24-byte header, an empty pass, the stop-copy, the config space): what the
 * reader makes of them, with and without the vmdesc, and what extract writes.
 */
class VfioSectionsTest {

    private static final byte[] PRECOPY = filled(24, 1);
    private static final byte[] STOP_COPY = filled(72, 2);
    private static final byte[] CONFIG = filled(4116, 3);

    @TempDir
    Path dir;

    private static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private Path write(byte[] stream) throws Exception {
        Path f = dir.resolve("mtty.mig");
        Files.write(f, stream);
        return f;
    }

    @Test
    void eachPassTheStopCopyAndTheConfigSpaceAreTold() throws Exception {
        QemuStreamFile.Read r = QemuStreamFile.read(write(QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, CONFIG)
                .build()), null);
        StreamSummary s = r.summary();

        assertThat(s.failure()).isEmpty();
        assertThat(s.complete()).isTrue();
        assertThat(s.config().machine()).isEqualTo("pc-q35-10.0");
        VfioData d = s.device("0000:00:01.0").orElseThrow();
        assertThat(d.name()).isEqualTo("0000:00:01.0/vfio");
        assertThat(d.sectionId()).isEqualTo(37);
        assertThat(d.passes()).extracting(Pass::bytes).containsExactly(24L, 0L);
        assertThat(d.passes()).extracting(Pass::count).containsExactly(1L, 0L);
        assertThat(d.stopCopyBytes()).isEqualTo(72);
        assertThat(d.dataBytes()).isEqualTo(96);
        // Found without a vmdesc: by END_OF_STATE and the section's footer.
        assertThat(d.configBytes()).isEqualTo(4116);
        assertThat(d.count(Marker.SETUP_STATE)).isEqualTo(1);
        assertThat(d.count(Marker.DATA_STATE)).isEqualTo(2);
        assertThat(d.count(Marker.END_OF_STATE)).isEqualTo(5);
        assertThat(d.count(Marker.CONFIG_STATE)).isEqualTo(1);
        assertThat(s.sections()).extracting(Section::type).containsExactly(SectionType.START, SectionType.START,
                SectionType.PART, SectionType.PART, SectionType.PART, SectionType.PART, SectionType.COMMAND,
                SectionType.END, SectionType.END, SectionType.FULL);
        assertThat(s.sections().get(3).records()).extracting(VfioRecord::text)
                .containsExactly("DATA_STATE(24)", "END_OF_STATE");

        // RAM: pages 0,1,2 then page 1 again is a second pass; the END is the stop-copy.
        assertThat(s.ram().passes()).extracting(Pass::count).containsExactly(3L, 1L);
        assertThat(s.ram().stopCopy().orElseThrow().count()).isEqualTo(1);
        String text = StreamReport.text(s, r.libvirt(), r.fileSize());
        assertThat(text).contains("vfio 0000:00:01.0/vfio (section 37, guest PCI 0000:00:01.0",
                "precopy pass 1: 1 DATA_STATE, 24 bytes", "stop-copy: 1 DATA_STATE, 72 bytes",
                "config: CONFIG_STATE, 4,116 bytes of config space", "data: 96 bytes (precopy 24 in 2 passes");
    }

    @Test
    void aSectionWithMoreRecordsThanAreListedCountsTheBytesOfAllOfThem() throws Exception {
        // A stop-copy in 100 DATA_STATE blocks (a large device's is in thousands of 1 MiB blocks):
        // the section lists its first records, and its bytes are those of all 100.
        byte[][] blocks = new byte[100][];
        Arrays.setAll(blocks, i -> filled(10 + i, i));
        String vfio = "0000:00:01.0/vfio";
        byte[] stream = new QemuStreamBuilder().configuration("pc-q35-10.0").vfioSetup(37, vfio)
                .vfioData(0x02, 37, PRECOPY).switchoverStart().vfioData(0x03, 37, blocks)
                .vfioConfig(37, vfio, CONFIG).eof().build();
        StreamSummary s = QemuStreamFile.read(write(stream), null).summary();

        long sum = Stream.of(blocks).mapToLong(b -> b.length).sum();
        Section end = s.sections().stream().filter(x -> x.type() == SectionType.END).findFirst().orElseThrow();
        assertThat(end.dataBytes()).isEqualTo(sum).isEqualTo(s.device("0000:00:01.0").orElseThrow().stopCopyBytes());
        assertThat(end.records()).hasSize(StreamLimits.RECORDS_PER_SECTION);
        // 100 DATA_STATE and the END_OF_STATE after them.
        assertThat(end.recordsNotListed()).isEqualTo(101 - StreamLimits.RECORDS_PER_SECTION);
        assertThat(StreamReport.carried(end)).endsWith(" ... 37 more records (" + String.format("%,d", sum)
                + " data bytes in all)");
        assertThat(StreamReport.json(s, java.util.Optional.empty(), stream.length).toString())
                .contains("\"data_bytes\":" + sum + ",\"records_not_listed\":37");
    }

    @Test
    void theSectionsTileTheStreamFromTheHeaderToTheEof() throws Exception {
        QemuStreamBuilder b = QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, CONFIG);
        StreamSummary s = QemuStreamFile.read(write(b.build()), null).summary();
        // The configuration (b.boundaries[0]) has no section entry: every other boundary is one section's start.
        assertThat(s.sections()).extracting(Section::offset)
                .containsExactlyElementsOf(b.boundaries.subList(1, b.boundaries.size() - 1).stream()
                        .map(Integer::longValue).toList());
        for (int i = 0; i + 1 < s.sections().size(); i++) {
            Section x = s.sections().get(i);
            assertThat(x.offset() + x.size()).as(x.toString()).isEqualTo(s.sections().get(i + 1).offset());
        }
        Section last = s.sections().get(s.sections().size() - 1);
        assertThat(last.offset() + last.size()).isEqualTo(s.eofOffset());
    }

    @Test
    void withAVmdescTheConfigSpaceIsSizedByItsDescription() throws Exception {
        // QEMU describes save_state sections as one buffer: CONFIG_STATE + config + END_OF_STATE.
        String json = "{\"page_size\":4096,\"devices\":[{\"name\":\"0000:00:01.0/vfio\",\"instance_id\":0,"
                + "\"vmsd_name\":\"0000:00:01.0/vfio\",\"version\":1,\"fields\":[{\"name\":\"data\","
                + "\"type\":\"buffer\",\"size\":" + (CONFIG.length + 16) + "}]}]}";
        byte[] stream = QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, CONFIG).vmdesc(json).build();
        StreamSummary s = QemuStreamFile.read(write(stream), null).summary();
        assertThat(s.failure()).isEmpty();
        assertThat(s.described()).isTrue();
        assertThat(s.device("0000:00:01.0/vfio").orElseThrow().configBytes()).isEqualTo(4116);
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aVmdescLongerThanTheReadBufferIsReadWhole() throws Exception {
        // A VM with thousands of devices has a vmdesc of megabytes; the reader's buffer is 1 MiB.
        String json = "{\"page_size\":4096,\"devices\":[{\"name\":\"0000:00:01.0/vfio\",\"instance_id\":0,"
                + "\"vmsd_name\":\"0000:00:01.0/vfio\",\"version\":1,\"fields\":[{\"name\":\"data\","
                + "\"type\":\"buffer\",\"size\":" + (CONFIG.length + 16) + "}]}]" + " ".repeat(3 << 20) + "}";
        byte[] stream = QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, CONFIG).vmdesc(json).build();
        StreamSummary s = QemuStreamFile.read(write(stream), null).summary();
        assertThat(s.failure()).isEmpty();
        assertThat(s.complete()).isTrue();
        assertThat(s.described()).isTrue();
        assertThat(s.eofOffset()).isEqualTo(stream.length - 6L - json.length());
    }

    @Test
    void extractWritesThePassesAndTheStopCopyApartAndResumeVerifiesIt() throws Exception {
        Path stream = write(QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, CONFIG).build());
        QemuStreamFile.Read r = QemuStreamFile.read(stream, null);
        Path out = dir.resolve("mtty0.data");

        StreamExtract.Extracted x = StreamExtract.extract(stream, r, r.summary().devices().get(0), out, "mtty");

        assertThat(x.bytes()).isEqualTo(96);
        MigrationFile.Verified v = MigrationFile.verify(out);
        assertThat(v.phases()).extracting(MigrationFile.Phase::state).containsExactly(MigState.PRE_COPY,
                MigState.STOP_COPY);
        assertThat(v.phases()).extracting(MigrationFile.Phase::length).containsExactly(24L, 72L);
        assertThat(v.source().driver()).isEqualTo("mtty");
        assertThat(v.source().featuresRecorded()).isFalse();
        assertThat(v.source().origin()).contains("mtty.mig", "machine pc-q35-10.0", "section 37 0000:00:01.0/vfio",
                "2 DATA_STATE blocks");
        byte[] data = new byte[96];
        try (FileChannel ch = FileChannel.open(out)) {
            ch.read(ByteBuffer.wrap(data), v.dataOffset());
        }
        byte[] expected = ByteBuffer.allocate(96).put(PRECOPY).put(STOP_COPY).array();
        assertThat(Arrays.equals(data, expected)).isTrue();
        assertThat(Files.getPosixFilePermissions(out)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
    }

    @Test
    void extractRefusesADeviceWhoseStopCopyTheStreamDoesNotReachAndWritesNothing() throws Exception {
        byte[] whole = QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, CONFIG).build();
        QemuStreamBuilder b = QemuStreamBuilder.withDevice(PRECOPY, STOP_COPY, CONFIG);
        // Cut inside the device's END section (its DATA_STATE of 72 bytes).
        int cut = b.boundaries.get(b.boundaries.size() - 3) + 20;
        Path stream = write(Arrays.copyOf(whole, cut));
        QemuStreamFile.Read r = QemuStreamFile.read(stream, null);
        assertThat(r.summary().failure()).isPresent();

        Path out = dir.resolve("partial.data");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StreamExtract.extract(stream, r,
                r.summary().devices().get(0), out, "")).isInstanceOf(StreamExtract.RefusedException.class)
                .hasMessageContaining("before the stop-copy of 0000:00:01.0/vfio");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(stream);
        }
    }
}

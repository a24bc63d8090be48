package dev.migscope.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.testsupport.Libvirtd;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real `virsh save` image (Debian's libvirtd, a TCG domain): the QEMU stream inside it is found and read whole. */
class LibvirtSaveImageTest {

    @TempDir
    Path dir;

    @Test
    void theStreamInsideAVirshSaveImageIsFoundAndReadWhole() throws Exception {
        Path image = dir.resolve("domain.save");
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.createTcg("saved-vm");
            libvirtd.save("saved-vm", image);
        }
        QemuStreamFile.Read r = QemuStreamFile.read(image, null);

        assertThat(r.libvirt()).isPresent();
        LibvirtSaveHeader h = r.libvirt().get();
        assertThat(h.domain()).isEqualTo("saved-vm");
        assertThat(h.wasRunning()).isTrue();
        byte[] bytes = Files.readAllBytes(image);
        // QEMU's stream starts right there: the QEVM magic, version 3.
        assertThat(ByteBuffer.wrap(bytes, (int) h.streamOffset(), 8).getLong()).isEqualTo(0x5145564d00000003L);
        StreamSummary s = r.summary();
        assertThat(s.failure()).isEmpty();
        assertThat(s.complete()).isTrue();
        assertThat(s.streamStart()).isEqualTo(h.streamOffset());
        assertThat(s.sections().get(0).offset()).isGreaterThan(h.streamOffset());
        assertThat(s.ram().blocks()).extracting(RamData.Block::name).contains("pc.ram");

        // The same stream, cut out of the image, reads the same sections (offsets moved by the header).
        Path bare = Files.write(dir.resolve("bare.mig"), Arrays.copyOfRange(bytes, (int) h.streamOffset(), bytes.length));
        StreamSummary b = QemuStreamFile.read(bare, null).summary();
        assertThat(b.sections()).extracting(Section::name).containsExactlyElementsOf(
                s.sections().stream().map(Section::name).toList());
        assertThat(b.sections().get(3).offset() + h.streamOffset()).isEqualTo(s.sections().get(3).offset());
        assertThat(StreamReport.text(s, r.libvirt(), r.fileSize()))
                .contains("inside a libvirt save image (version ", "domain saved-vm", "the stream starts at byte ");
    }
}

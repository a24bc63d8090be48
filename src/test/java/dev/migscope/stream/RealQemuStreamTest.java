package dev.migscope.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.json.Json;
import dev.migscope.testsupport.QemuProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams written by real QEMUs: QEMU 10 (the host's) with {@code migrate file:} and
 * {@code exec:cat>}, and bookworm's QEMU 7.2, RAM-only VMs. Every section is read, they tile the
 * stream, and the FULL sections are exactly the devices QEMU's own vmdesc lists, each walked by it.
 */
class RealQemuStreamTest {

    @TempDir
    Path dir;

    private Path migrate(QemuProcess.Binary qemu, String how) throws Exception {
        Path file = dir.resolve(how + ".mig");
        try (QemuProcess q = QemuProcess.start(qemu, dir, "vm")) {
            q.migrateAndWait(how.equals("file") ? "file:" + file : "exec:cat > " + file);
        }
        return file;
    }

    private static void assertWholeStreamRead(Path file) throws Exception {
        QemuStreamFile.Read r = QemuStreamFile.read(file, null);
        StreamSummary s = r.summary();
        assertThat(s.failure()).isEmpty();
        assertThat(s.complete()).isTrue();
        assertThat(s.described()).isTrue();
        assertThat(s.trailing()).isZero();
        assertThat(s.config().machine()).startsWith("pc-q35-");
        assertThat(s.sectionsDropped()).isZero();

        // The sections tile the stream from the first one to QEMU_VM_EOF.
        List<Section> list = s.sections();
        for (int i = 0; i + 1 < list.size(); i++) {
            assertThat(list.get(i).offset() + list.get(i).size()).as(list.get(i).toString())
                    .isEqualTo(list.get(i + 1).offset());
        }
        Section last = list.get(list.size() - 1);
        assertThat(last.offset() + last.size()).isEqualTo(s.eofOffset());

        // QEMU's vmdesc names every VMSD device it wrote: each is a FULL section read through it.
        byte[] bytes = Files.readAllBytes(file);
        int json = (int) s.eofOffset() + 6;
        JsonNode vmdesc = Json.read(new String(bytes, json, bytes.length - json, java.nio.charset.StandardCharsets.UTF_8));
        List<String> described = new ArrayList<>();
        vmdesc.path("devices").forEach(d -> described.add(d.path("name").asText() + "#" + d.path("instance_id").asLong()));
        assertThat(list.stream().filter(x -> x.type() == SectionType.FULL).map(x -> x.name() + "#" + x.instance()))
                .containsExactlyElementsOf(described);
        assertThat(list.stream().filter(x -> x.type() == SectionType.FULL)).extracting(Section::how).containsOnly("vmdesc");
        assertThat(s.fields().path("timer (0)").isObject()).isTrue();

        // A 64 MiB RAM-only VM idling in SeaBIOS: mostly zero pages, one pass, a small stop-copy.
        RamData ram = s.ram();
        assertThat(ram.blocks()).extracting(RamData.Block::name).contains("pc.ram");
        assertThat(ram.blocks().stream().filter(b -> b.name().equals("pc.ram")).findFirst().orElseThrow().length())
                .isEqualTo(64L << 20);
        long pages = ram.passes().stream().mapToLong(p -> p.count() + p.zeroPages()).sum()
                + ram.stopCopy().map(p -> p.count() + p.zeroPages()).orElse(0L);
        // Every page of every block is sent at least once in the first pass.
        assertThat(pages).isGreaterThanOrEqualTo(ram.memSize() / ram.pageSize());
        assertThat(ram.stopCopy()).isPresent();
        assertThat(s.devices()).isEmpty();
    }

    @Test
    void qemu10MigrateFileIsReadWhole() throws Exception {
        assertWholeStreamRead(migrate(QemuProcess.Binary.host(), "file"));
    }

    @Test
    void qemu10MigrateExecCatIsReadWhole() throws Exception {
        assertWholeStreamRead(migrate(QemuProcess.Binary.host(), "exec"));
    }

    /** mapped-ram puts the pages at fixed offsets: the sections are read, the pages are said not to be. */
    @Test
    void qemu10MappedRamIsReadAndSaysWhatItDoesNotCount() throws Exception {
        Path file = dir.resolve("mapped.mig");
        try (QemuProcess q = QemuProcess.start(dir, "vm")) {
            q.enableCapabilities("mapped-ram");
            q.migrateAndWait("file:" + file);
        }
        StreamSummary s = QemuStreamFile.read(file, null).summary();
        assertThat(s.failure()).isEmpty();
        assertThat(s.complete()).isTrue();
        assertThat(s.config().capabilities()).contains("mapped-ram");
        assertThat(s.ram().mappedRam()).startsWith("mapped-ram: the pages of each RAM block lie at fixed file offsets "
                + "(block 'pc.ram': page bitmap at 0x");
        assertThat(s.ram().blocks()).extracting(RamData.Block::name).contains("pc.ram");
        // The START section spans the blocks' page regions.
        assertThat(s.sections().get(0).size()).isGreaterThan(64L << 20);
    }

    @Test
    void qemu72StreamIsReadWhole() throws Exception {
        assertWholeStreamRead(migrate(QemuProcess.Binary.qemu72(), "exec"));
    }
}

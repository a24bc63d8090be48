package dev.migscope.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture others build on: a real libvirtd runs a TCG domain, saves it, and leaves nothing running. */
class LibvirtdTest {

    @TempDir
    Path tmp;

    @Test
    void runsATcgDomainAndSavesItToAnImage() throws Exception {
        long qemu;
        try (Libvirtd libvirtd = Libvirtd.start(tmp)) {
            libvirtd.createTcg("fixture");
            assertThat(libvirtd.virsh("domstate", "fixture")).isEqualTo("running");
            qemu = libvirtd.qemuPid("fixture").orElseThrow();
            assertThat(ProcessHandle.of(qemu)).isPresent();

            Path image = tmp.resolve("fixture.save");
            libvirtd.save("fixture", image);

            byte[] head = Arrays.copyOf(Files.readAllBytes(image), 16);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("LibvirtQemudSave");
            assertThat(libvirtd.virshResult("domstate", "fixture").exit()).as("a saved transient domain is gone")
                    .isNotZero();
        }
        assertThat(ProcessHandle.of(qemu).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
}

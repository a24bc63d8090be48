package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.testsupport.Libvirtd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line a real libvirtd gives the QEMU of a domain names that domain, as ProcOwners reads it. */
class LibvirtCommandLineTest {

    @TempDir
    Path dir;

    @Test
    void theQemuOfARealDomainIsNamedByItsDomain() throws Exception {
        try (Libvirtd libvirtd = Libvirtd.start(dir)) {
            libvirtd.createTcg("lv,cmdline");
            long pid = libvirtd.qemuPid("lv,cmdline").orElseThrow();
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8);

            assertThat(ProcOwners.libvirtDomain(cmdline)).as(cmdline.replace('\0', ' ')).contains("lv,cmdline");
        }
    }
}

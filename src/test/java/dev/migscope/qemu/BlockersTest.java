package dev.migscope.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The blocker table against the sentences QEMU and libvirt really write: each row's text is in
 * QEMU 10.0's or libvirt's source as the coordinator fetched it, and the sentences users see map
 * to their cause.
 */
class BlockersTest {

    /** The installed QEMU 10 (bookworm-backports) and libvirt (libvirt-daemon-driver-qemu). */
    private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    private static final Path LIBVIRT_QEMU_DRIVER =
            Path.of("/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so");

    /**
     * Each row's sentence is one the installed QEMU or libvirt can write: their format strings are in
     * the binaries (QEMU's hw/vfio/migration.c and common.c, libvirt's qemu_migration.c). The row of
     * libvirt before 8.3 is that libvirt's text, not in this one.
     */
    @Test
    void everyRowIsASentenceTheInstalledQemuOrLibvirtWrites() throws IOException {
        assertThat(QEMU).as("apt-get install -t bookworm-backports qemu-system-x86").exists();
        assertThat(LIBVIRT_QEMU_DRIVER).as("apt-get install libvirt-daemon-driver-qemu").exists();
        String qemu = new String(Files.readAllBytes(QEMU), StandardCharsets.ISO_8859_1);
        String libvirt = new String(Files.readAllBytes(LIBVIRT_QEMU_DRIVER), StandardCharsets.ISO_8859_1);
        for (Blockers.Cause c : Blockers.TABLE) {
            switch (c.from()) {
                case Blockers.QEMU -> assertThat(qemu.contains(c.match())).as(c.match()).isTrue();
                case Blockers.LIBVIRT -> assertThat(libvirt.contains(c.match())).as(c.match()).isTrue();
                default -> assertThat(libvirt.contains(c.match())).as("gone from libvirt 9: " + c.match()).isFalse();
            }
        }
        // libvirt's refusal that carries QEMU's reasons: "cannot migrate domain: " + the reasons joined.
        assertThat(libvirt).contains("cannot migrate domain: %");
    }

    @Test
    void libvirtsJoinedReasonsMapToEachCause() {
        // libvirt's qemuMigrationSrcIsAllowed: "cannot migrate domain: %1$s", QEMU's blocked-reasons joined by "; ".
        String refused = "Requested operation is not valid: cannot migrate domain: 0000:00:02.0: VFIO device doesn't "
                + "support device and IOMMU dirty tracking; Multiple VFIO devices migration is supported only if all "
                + "of them support P2P migration";

        assertThat(Blockers.causes(refused)).extracting(Blockers.Cause::match).containsExactly(
                "doesn't support device and IOMMU dirty tracking",
                "Multiple VFIO devices migration is supported only if all of them support P2P");
        assertThat(Blockers.explain(refused)).contains("; cause: no dirty tracking", "IOMMUFD",
                "; cause: several VFIO devices, not all with the P2P feature");
    }

    @Test
    void libvirtsOwnRefusalsAndAnUnknownSentence() {
        assertThat(Blockers.explain("Operation not supported: cannot migrate a domain with <hostdev mode='subsystem' "
                + "type='mdev'>")).contains("libvirt's own hostdev refusal");
        assertThat(Blockers.explain("Requested operation is not valid: domain has assigned non-USB host devices"))
                .contains("libvirt older than 8.3");
        assertThat(Blockers.explain("internal error: Attempt to migrate guest to the same host "
                + "8d2b8e4e-0000-0000-0000-000000000000")).contains("its own host UUID");
        assertThat(Blockers.explain("0000:00:02.0: VFIO migration is not supported with postcopy migration"))
                .contains("postcopy with VFIO").contains("postcopy-ram");
        assertThat(Blockers.explain("mtty0: Migration is currently not supported with vIOMMU enabled"))
                .contains("a vIOMMU");
        assertThat(Blockers.explain("something else")).isEmpty();
    }
}

package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where UapiLayoutTest gets Linux 6.12's headers from when no extracted tree is around. */
class UapiHeadersTest {

    @TempDir
    Path tmp;

    /** What CI relies on: only the linux-source-6.12 package is installed. */
    @Test
    void extractsBothHeadersFromTheSourceTarball() throws Exception {
        assertThat(UapiHeaders.TARBALL).as("apt-get install linux-source-6.12").isRegularFile();

        Path include = UapiHeaders.includeDir(tmp.resolve("cache"), tmp.resolve("no-tree"), UapiHeaders.TARBALL, true);

        assertThat(include.resolve("linux/vfio.h")).content().contains("struct vfio_device_bind_iommufd");
        assertThat(include.resolve("linux/iommufd.h")).content().contains("struct iommu_ioas_alloc");
        // The scratch directory of the extraction is gone; only the two headers stay cached.
        try (var files = Files.walk(include)) {
            assertThat(files.filter(Files::isRegularFile)).hasSize(2);
        }
    }

    @Test
    void aCachedCopyIsUsedAsIs() throws Exception {
        Path cache = tmp.resolve("cache");
        Path first = UapiHeaders.includeDir(cache, UapiHeaders.EXTRACTED, UapiHeaders.TARBALL, false);

        Path again = UapiHeaders.includeDir(cache, tmp.resolve("no-tree"), tmp.resolve("no.tar.xz"), true);

        assertThat(again).isEqualTo(first);
    }

    @Test
    void withNoSourceItFailsSayingWhatToInstall() {
        assertThatThrownBy(() -> UapiHeaders.includeDir(tmp.resolve("cache"), tmp.resolve("no-tree"),
                tmp.resolve("no.tar.xz"), true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CI installs linux-source-6.12");
        assertThatThrownBy(() -> UapiHeaders.includeDir(tmp.resolve("cache"), tmp.resolve("no-tree"),
                tmp.resolve("no.tar.xz"), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("apt-get install linux-source-6.12");
    }

    @Test
    void theHostsOlderHeaderIsNotTakenFor612() throws Exception {
        Path tree = tmp.resolve("old-tree");
        Files.createDirectories(tree);
        // What Linux 6.1's vfio.h has: VFIO_DEVICE_FEATURE, but no cdev binding yet.
        Files.writeString(tree.resolve("vfio.h"), "#define VFIO_DEVICE_FEATURE _IO(VFIO_TYPE, VFIO_BASE + 17)\n");
        Files.writeString(tree.resolve("iommufd.h"), "#define IOMMUFD_TYPE (';')\n");

        assertThatThrownBy(() -> UapiHeaders.includeDir(tmp.resolve("cache"), tree, tmp.resolve("no.tar.xz"), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not Linux 6.12's");
    }
}

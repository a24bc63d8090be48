package dev.migscope.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way tests get the kernel's source: the linux-source-6.12 tarball, extracted into a cache. */
class KernelSourceTest {

    private static final Path TARBALL = Path.of("/usr/src/linux-source-6.12.tar.xz");

    @TempDir
    Path tmp;

    /** What CI relies on: only the package is installed, the cache starts empty. */
    @Test
    void extractsTheRequestedFilesIntoAnEmptyCache() throws Exception {
        assertThat(TARBALL).as("apt-get install linux-source-6.12").isRegularFile();

        Path tree = KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString()),
                "include/uapi/linux/vfio.h", "include/uapi/linux/iommufd.h");

        assertThat(tree).isEqualTo(tmp.resolve("migscope/linux-source-6.12"));
        assertThat(tree.resolve("include/uapi/linux/vfio.h")).content().contains("struct vfio_device_bind_iommufd");
        assertThat(tree.resolve("include/uapi/linux/iommufd.h")).content().contains("struct iommu_ioas_alloc");
        // Only the requested files are kept; the scratch directory of the extraction is gone.
        try (var files = Files.walk(tmp)) {
            assertThat(files.filter(Files::isRegularFile)).hasSize(2);
        }
    }

    @Test
    void aCachedFileIsNotExtractedAgain() throws Exception {
        Path cached = tmp.resolve("migscope/linux-source-6.12/include/uapi/linux/vfio.h");
        Files.createDirectories(cached.getParent());
        Files.writeString(cached, "cached\n");

        Path tree = KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString()), "include/uapi/linux/vfio.h");

        assertThat(tree.resolve("include/uapi/linux/vfio.h")).hasContent("cached");
    }

    /** A missing package fails the test that needs it, naming the fix: it never skips. */
    @Test
    void withoutThePackageItFailsSayingWhatToInstall() {
        assertThatThrownBy(() -> KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString(),
                "LINUX_SOURCE_TARBALL", tmp.resolve("no.tar.xz").toString()), "include/uapi/linux/vfio.h"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("linux-source-6.12 (")
                .hasMessageContaining("is needed for this test: apt-get install linux-source-6.12");
    }
}

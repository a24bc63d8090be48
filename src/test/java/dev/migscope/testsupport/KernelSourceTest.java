package dev.migscope.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way tests get the kernel's source: a linux-source tarball, extracted into a cache. */
class KernelSourceTest {

    private static final Path TARBALL = Path.of("/usr/src/linux-source-6.12.tar.xz");

    @TempDir
    Path tmp;

    /** What CI relies on: only the package is installed, the cache starts empty. */
    @Test
    void extractsTheRequestedFilesIntoAnEmptyCache() throws Exception {
        assertThat(TARBALL).as("apt-get install linux-source-6.12").isRegularFile();

        Path tree = KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString()), "6.12",
                "include/uapi/linux/vfio.h", "include/uapi/linux/iommufd.h");

        assertThat(tree).isEqualTo(tmp.resolve("migscope/linux-source-6.12"));
        assertThat(tree.resolve("include/uapi/linux/vfio.h")).content().contains("struct vfio_device_bind_iommufd");
        assertThat(tree.resolve("include/uapi/linux/iommufd.h")).content().contains("struct iommu_ioas_alloc");
        // Only the requested files are kept; the scratch directory of the extraction is gone.
        try (var files = Files.walk(tmp)) {
            assertThat(files.filter(Files::isRegularFile)).hasSize(2);
        }
    }

    /** 7.3 from the tarball linux-source.sh fetched (trixie-backports), into its own cache directory. */
    @Test
    void extractsLinux73BesideIt() {
        KernelSource.RunResult fetched = KernelSource.run(List.of("sh", "src/test/scripts/linux-source.sh", "7.3"), null);
        assertThat(fetched.exit()).as("linux-source.sh 7.3: %s", fetched.err()).isZero();

        Path tree = KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString(),
                "LINUX_SOURCE_TARBALL", fetched.out().strip()), "7.3", "include/uapi/linux/vfio.h");

        assertThat(tree).isEqualTo(tmp.resolve("migscope/linux-source-7.3"));
        // Linux 7.1's opt-in: proof that this is the 7.x header, not 6.12's.
        assertThat(tree.resolve("include/uapi/linux/vfio.h")).content()
                .contains("#define VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2  12");
    }

    @Test
    void aCachedFileIsNotExtractedAgain() throws Exception {
        Path cached = tmp.resolve("migscope/linux-source-6.12/include/uapi/linux/vfio.h");
        Files.createDirectories(cached.getParent());
        Files.writeString(cached, "cached\n");

        Path tree = KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString()), "6.12", "include/uapi/linux/vfio.h");

        assertThat(tree.resolve("include/uapi/linux/vfio.h")).hasContent("cached");
    }

    /** A missing package fails the test that needs it, naming the fix: it never skips. */
    @Test
    void withoutThePackageItFailsSayingWhatToInstall() {
        assertThatThrownBy(() -> KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString(),
                "LINUX_SOURCE_TARBALL", tmp.resolve("no.tar.xz").toString()), "6.12", "include/uapi/linux/vfio.h"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("linux-source-6.12 (")
                .hasMessageContaining("is needed for this test: apt-get install linux-source-6.12");
        assertThatThrownBy(() -> KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString(),
                "LINUX_SOURCE_TARBALL", tmp.resolve("no.tar.xz").toString()), "7.3", "include/uapi/linux/vfio.h"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("linux-source-7.3 (")
                .hasMessageContaining("trixie-backports");
    }

    @Test
    void anUnknownVersionIsRefused() {
        assertThatThrownBy(() -> KernelSource.extract(Map.of("XDG_CACHE_HOME", tmp.toString()), "6.1",
                "include/uapi/linux/vfio.h"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("unknown kernel version '6.1'");
    }
}

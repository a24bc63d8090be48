package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What UapiLayoutTest compiles against: the two uAPI headers of 6.12 and of 7.3, not the host's. */
class UapiHeadersTest {

    @Test
    void theIncludeDirectoryHoldsBothLinux612Headers() {
        Path include = UapiHeaders.includeDir("6.12");

        // Both structs arrived after the host's 6.1 headers: finding them proves the copy is 6.12's.
        assertThat(include.resolve("linux/vfio.h")).content()
                .contains("struct vfio_device_bind_iommufd", "VFIO_DEVICE_FEATURE_BUS_MASTER")
                .doesNotContain("VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2", "VFIO_PRECOPY_INFO_REINIT");
        assertThat(include.resolve("linux/iommufd.h")).content()
                .contains("struct iommu_ioas_alloc", "IOMMUFD_CMD_FAULT_QUEUE_ALLOC");
    }

    @Test
    void theIncludeDirectoryHoldsBothLinux73Headers() {
        Path include = UapiHeaders.includeDir("7.3");

        // Linux 7.1's opt-in and REINIT: the copy is 7.x's.
        assertThat(include.resolve("linux/vfio.h")).content()
                .contains("VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2", "VFIO_PRECOPY_INFO_REINIT");
        assertThat(include.resolve("linux/iommufd.h")).content().contains("struct iommu_ioas_alloc");
    }
}

package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What UapiLayoutTest compiles against: 6.12's two uAPI headers, not the host's. */
class UapiHeadersTest {

    @Test
    void theIncludeDirectoryHoldsBothLinux612Headers() {
        Path include = UapiHeaders.includeDir();

        // Both structs arrived after the host's 6.1 headers: finding them proves the copy is 6.12's.
        assertThat(include.resolve("linux/vfio.h")).content()
                .contains("struct vfio_device_bind_iommufd", "VFIO_DEVICE_FEATURE_BUS_MASTER");
        assertThat(include.resolve("linux/iommufd.h")).content()
                .contains("struct iommu_ioas_alloc", "IOMMUFD_CMD_FAULT_QUEUE_ALLOC");
    }

}

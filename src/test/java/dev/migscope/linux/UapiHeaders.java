package dev.migscope.linux;

import dev.migscope.testsupport.KernelSource;
import java.nio.file.Path;

/**
 * Linux 6.12's include/uapi/linux/{vfio,iommufd}.h from {@link KernelSource}: never the host's
 * /usr/include copies, which are older and lack the cdev and iommufd structs.
 */
final class UapiHeaders {

    private UapiHeaders() {
    }

    /**
     * The include directory to put first on gcc's path: it holds {@code linux/vfio.h} and
     * {@code linux/iommufd.h} of 6.12 and nothing else, so the rest of {@code <linux/...>} comes
     * from the host, as for any user-space program. Fails the test, naming the package, without it.
     */
    static Path includeDir() {
        return KernelSource.extract("include/uapi/linux/vfio.h", "include/uapi/linux/iommufd.h")
                .resolve("include/uapi");
    }
}

package dev.migscope.linux;

import dev.migscope.testsupport.KernelSource;
import java.nio.file.Path;
import java.util.List;

/**
 * include/uapi/linux/{vfio,iommufd}.h of a kernel migscope is proven on, from {@link KernelSource}:
 * never the host's /usr/include copies, which are older and lack the cdev and iommufd structs.
 */
final class UapiHeaders {

    /**
     * What headers_install and a current libc's headers would provide: {@code __user} is the sparse
     * annotation the source tree's uAPI headers still carry; {@code __counted_by} is used by 7.x's
     * vfio.h and defined (empty, for user space) by 7.x's linux/stddef.h, which the host's 6.1 copy
     * is not (and 6.12's source copy cannot replace it: it includes kernel-only headers).
     */
    static final List<String> GCC_DEFINES = List.of("-D__user=", "-D__counted_by(m)=");

    private UapiHeaders() {
    }

    /**
     * The include directory to put first on gcc's path: it holds {@code linux/vfio.h} and
     * {@code linux/iommufd.h} of Linux {@code version} and nothing else, so the rest of
     * {@code <linux/...>} comes from the host, as for any user-space program. Compile with
     * {@link #GCC_DEFINES}. Fails the test, naming the package, without it.
     */
    static Path includeDir(String version) {
        return KernelSource.extract(version, "include/uapi/linux/vfio.h", "include/uapi/linux/iommufd.h")
                .resolve("include/uapi");
    }
}

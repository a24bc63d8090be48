package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.Errno;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigState;
import dev.migscope.testsupport.KernelSource;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every ioctl number, flag, struct size and field offset the Java side passes to the kernel,
 * compared with what gcc computes from the uAPI headers of Linux 6.12 and of Linux 7.3 (not the
 * host's older copy). Also the ABI numbers of fsm (states, feature bits) and device (errno values).
 */
class UapiLayoutTest {

    /** Uapi field -> the C expression that must equal it. */
    private static final Map<String, String> C_EXPRESSIONS = Map.ofEntries(
            Map.entry("VFIO_TYPE", "VFIO_TYPE"),
            Map.entry("VFIO_BASE", "VFIO_BASE"),
            Map.entry("IOMMUFD_TYPE", "IOMMUFD_TYPE"),
            Map.entry("VFIO_SET_IOMMU", "VFIO_SET_IOMMU"),
            Map.entry("VFIO_GROUP_GET_STATUS", "VFIO_GROUP_GET_STATUS"),
            Map.entry("VFIO_GROUP_SET_CONTAINER", "VFIO_GROUP_SET_CONTAINER"),
            Map.entry("VFIO_GROUP_GET_DEVICE_FD", "VFIO_GROUP_GET_DEVICE_FD"),
            Map.entry("VFIO_DEVICE_RESET", "VFIO_DEVICE_RESET"),
            Map.entry("VFIO_DEVICE_FEATURE", "VFIO_DEVICE_FEATURE"),
            Map.entry("VFIO_DEVICE_BIND_IOMMUFD", "VFIO_DEVICE_BIND_IOMMUFD"),
            Map.entry("VFIO_DEVICE_ATTACH_IOMMUFD_PT", "VFIO_DEVICE_ATTACH_IOMMUFD_PT"),
            Map.entry("VFIO_MIG_GET_PRECOPY_INFO", "VFIO_MIG_GET_PRECOPY_INFO"),
            Map.entry("IOMMU_IOAS_ALLOC", "IOMMU_IOAS_ALLOC"),
            Map.entry("VFIO_TYPE1v2_IOMMU", "VFIO_TYPE1v2_IOMMU"),
            Map.entry("VFIO_NOIOMMU_IOMMU", "VFIO_NOIOMMU_IOMMU"),
            Map.entry("VFIO_GROUP_FLAGS_VIABLE", "VFIO_GROUP_FLAGS_VIABLE"),
            Map.entry("SIZEOF_VFIO_GROUP_STATUS", "sizeof(struct vfio_group_status)"),
            Map.entry("VFIO_GROUP_STATUS_ARGSZ", "offsetof(struct vfio_group_status, argsz)"),
            Map.entry("VFIO_GROUP_STATUS_FLAGS", "offsetof(struct vfio_group_status, flags)"),
            Map.entry("SIZEOF_VFIO_DEVICE_FEATURE", "sizeof(struct vfio_device_feature)"),
            Map.entry("VFIO_DEVICE_FEATURE_ARGSZ", "offsetof(struct vfio_device_feature, argsz)"),
            Map.entry("VFIO_DEVICE_FEATURE_FLAGS", "offsetof(struct vfio_device_feature, flags)"),
            Map.entry("VFIO_DEVICE_FEATURE_DATA", "offsetof(struct vfio_device_feature, data)"),
            Map.entry("VFIO_DEVICE_FEATURE_GET", "VFIO_DEVICE_FEATURE_GET"),
            Map.entry("VFIO_DEVICE_FEATURE_SET", "VFIO_DEVICE_FEATURE_SET"),
            Map.entry("VFIO_DEVICE_FEATURE_PROBE", "VFIO_DEVICE_FEATURE_PROBE"),
            Map.entry("VFIO_DEVICE_FEATURE_MIGRATION", "VFIO_DEVICE_FEATURE_MIGRATION"),
            Map.entry("VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE", "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_START", "VFIO_DEVICE_FEATURE_DMA_LOGGING_START"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP", "VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT", "VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT"),
            Map.entry("VFIO_DEVICE_FEATURE_MIG_DATA_SIZE", "VFIO_DEVICE_FEATURE_MIG_DATA_SIZE"),
            Map.entry("VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2", "VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2"),
            Map.entry("SIZEOF_VFIO_DEVICE_FEATURE_MIGRATION", "sizeof(struct vfio_device_feature_migration)"),
            Map.entry("VFIO_DEVICE_FEATURE_MIGRATION_FLAGS", "offsetof(struct vfio_device_feature_migration, flags)"),
            Map.entry("VFIO_MIGRATION_STOP_COPY", "VFIO_MIGRATION_STOP_COPY"),
            Map.entry("VFIO_MIGRATION_P2P", "VFIO_MIGRATION_P2P"),
            Map.entry("VFIO_MIGRATION_PRE_COPY", "VFIO_MIGRATION_PRE_COPY"),
            Map.entry("SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE", "sizeof(struct vfio_device_feature_mig_state)"),
            Map.entry("VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE", "offsetof(struct vfio_device_feature_mig_state, device_state)"),
            Map.entry("VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD", "offsetof(struct vfio_device_feature_mig_state, data_fd)"),
            Map.entry("SIZEOF_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE", "sizeof(struct vfio_device_feature_mig_data_size)"),
            Map.entry("VFIO_DEVICE_FEATURE_MIG_DATA_SIZE_STOP_COPY_LENGTH", "offsetof(struct vfio_device_feature_mig_data_size, stop_copy_length)"),
            Map.entry("SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL", "sizeof(struct vfio_device_feature_dma_logging_control)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_PAGE_SIZE", "offsetof(struct vfio_device_feature_dma_logging_control, page_size)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_NUM_RANGES", "offsetof(struct vfio_device_feature_dma_logging_control, num_ranges)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_RANGES", "offsetof(struct vfio_device_feature_dma_logging_control, ranges)"),
            Map.entry("SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE", "sizeof(struct vfio_device_feature_dma_logging_range)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_IOVA", "offsetof(struct vfio_device_feature_dma_logging_range, iova)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_LENGTH", "offsetof(struct vfio_device_feature_dma_logging_range, length)"),
            Map.entry("SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT", "sizeof(struct vfio_device_feature_dma_logging_report)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_IOVA", "offsetof(struct vfio_device_feature_dma_logging_report, iova)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_LENGTH", "offsetof(struct vfio_device_feature_dma_logging_report, length)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_PAGE_SIZE", "offsetof(struct vfio_device_feature_dma_logging_report, page_size)"),
            Map.entry("VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_BITMAP", "offsetof(struct vfio_device_feature_dma_logging_report, bitmap)"),
            Map.entry("SIZEOF_VFIO_PRECOPY_INFO", "sizeof(struct vfio_precopy_info)"),
            Map.entry("VFIO_PRECOPY_INFO_ARGSZ", "offsetof(struct vfio_precopy_info, argsz)"),
            Map.entry("VFIO_PRECOPY_INFO_FLAGS", "offsetof(struct vfio_precopy_info, flags)"),
            Map.entry("VFIO_PRECOPY_INFO_INITIAL_BYTES", "offsetof(struct vfio_precopy_info, initial_bytes)"),
            Map.entry("VFIO_PRECOPY_INFO_DIRTY_BYTES", "offsetof(struct vfio_precopy_info, dirty_bytes)"),
            Map.entry("VFIO_PRECOPY_INFO_REINIT", "VFIO_PRECOPY_INFO_REINIT"),
            Map.entry("SIZEOF_VFIO_DEVICE_BIND_IOMMUFD", "sizeof(struct vfio_device_bind_iommufd)"),
            Map.entry("VFIO_DEVICE_BIND_IOMMUFD_ARGSZ", "offsetof(struct vfio_device_bind_iommufd, argsz)"),
            Map.entry("VFIO_DEVICE_BIND_IOMMUFD_FLAGS", "offsetof(struct vfio_device_bind_iommufd, flags)"),
            Map.entry("VFIO_DEVICE_BIND_IOMMUFD_IOMMUFD", "offsetof(struct vfio_device_bind_iommufd, iommufd)"),
            Map.entry("VFIO_DEVICE_BIND_IOMMUFD_OUT_DEVID", "offsetof(struct vfio_device_bind_iommufd, out_devid)"),
            Map.entry("SIZEOF_VFIO_DEVICE_ATTACH_IOMMUFD_PT", "sizeof(struct vfio_device_attach_iommufd_pt)"),
            Map.entry("VFIO_DEVICE_ATTACH_IOMMUFD_PT_ARGSZ", "offsetof(struct vfio_device_attach_iommufd_pt, argsz)"),
            Map.entry("VFIO_DEVICE_ATTACH_IOMMUFD_PT_FLAGS", "offsetof(struct vfio_device_attach_iommufd_pt, flags)"),
            Map.entry("VFIO_DEVICE_ATTACH_IOMMUFD_PT_PT_ID", "offsetof(struct vfio_device_attach_iommufd_pt, pt_id)"),
            Map.entry("SIZEOF_IOMMU_IOAS_ALLOC", "sizeof(struct iommu_ioas_alloc)"),
            Map.entry("IOMMU_IOAS_ALLOC_SIZE", "offsetof(struct iommu_ioas_alloc, size)"),
            Map.entry("IOMMU_IOAS_ALLOC_FLAGS", "offsetof(struct iommu_ioas_alloc, flags)"),
            Map.entry("IOMMU_IOAS_ALLOC_OUT_IOAS_ID", "offsetof(struct iommu_ioas_alloc, out_ioas_id)"),
            Map.entry("O_RDWR", "O_RDWR"),
            Map.entry("O_CLOEXEC", "O_CLOEXEC"),
            Map.entry("SIZEOF_POLLFD", "sizeof(struct pollfd)"),
            Map.entry("POLLFD_FD", "offsetof(struct pollfd, fd)"),
            Map.entry("POLLFD_EVENTS", "offsetof(struct pollfd, events)"),
            Map.entry("POLLFD_REVENTS", "offsetof(struct pollfd, revents)"),
            Map.entry("POLLIN", "POLLIN"));

    /** Added by Linux 7.1: absent from 6.12's header, so checked against 7.3's only. */
    private static final Set<String> SINCE_7_1 = Set.of("VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2",
            "VFIO_PRECOPY_INFO_REINIT");

    /**
     * Structs 7.x grew at their end (a VF token pointer, a PASID). Uapi keeps 6.12's size as argsz,
     * which a 7.3 kernel accepts when it is at least the handler's minsz, the end of the last 6.12
     * field (vfio_df_ioctl_bind_iommufd, vfio_df_ioctl_attach_pt): against 7.3 the size must equal that.
     */
    private static final Map<String, String> MINSZ_IN_7_X = Map.of(
            "SIZEOF_VFIO_DEVICE_BIND_IOMMUFD", offsetofend("vfio_device_bind_iommufd", "out_devid"),
            "SIZEOF_VFIO_DEVICE_ATTACH_IOMMUFD_PT", offsetofend("vfio_device_attach_iommufd_pt", "pt_id"));

    private static String offsetofend(String struct, String field) {
        return "(offsetof(struct " + struct + ", " + field + ") + sizeof(((struct " + struct + " *)0)->" + field + "))";
    }

    @Test
    void everyConstantOfUapiIsChecked() {
        assertThat(C_EXPRESSIONS.keySet()).containsExactlyInAnyOrderElementsOf(uapiFields().keySet());
    }

    /** 6.12's sizes really are shorter than 7.3's structs: the minsz rule above is needed, not a loophole. */
    @Test
    void theStructsThatGrewIn7xAreLargerThere(@TempDir Path tmp) throws Exception {
        Map<String, String> sizes = Map.of(
                "SIZEOF_VFIO_DEVICE_BIND_IOMMUFD", "sizeof(struct vfio_device_bind_iommufd)",
                "SIZEOF_VFIO_DEVICE_ATTACH_IOMMUFD_PT", "sizeof(struct vfio_device_attach_iommufd_pt)");
        Map<String, Long> in73 = compileAndRun(tmp, UapiHeaders.includeDir("7.3"), sizes);
        Map<String, Long> java = uapiFields();
        assertThat(in73.keySet()).isEqualTo(MINSZ_IN_7_X.keySet());
        in73.forEach((name, size) -> assertThat(size).as(name).isGreaterThan(java.get(name)));
    }

    @ParameterizedTest(name = "Linux {0}")
    @ValueSource(strings = {"6.12", "7.3"})
    void javaNumbersMatchTheHeaders(String version, @TempDir Path tmp) throws Exception {
        assertThat(KernelSource.VERSIONS).contains(version);
        Path include = UapiHeaders.includeDir(version);
        boolean v612 = version.equals("6.12");
        Map<String, String> expressions = new LinkedHashMap<>();
        C_EXPRESSIONS.forEach((name, expr) -> {
            if (v612 && SINCE_7_1.contains(name)) {
                return;
            }
            expressions.put("Uapi." + name, v612 ? expr : MINSZ_IN_7_X.getOrDefault(name, expr));
        });
        for (MigState s : MigState.values()) {
            expressions.put("MigState." + s.name(), "VFIO_DEVICE_STATE_" + s.name());
        }
        for (MigFeature f : MigFeature.values()) {
            expressions.put("MigFeature." + f.name(), "VFIO_MIGRATION_" + f.name());
        }
        for (Errno e : Errno.values()) {
            expressions.put("Errno." + e.name(), e.name());
        }

        Map<String, Long> fromC = compileAndRun(tmp, include, expressions);

        Map<String, Long> fromJava = new TreeMap<>();
        uapiFields().forEach((name, value) -> {
            if (!(v612 && SINCE_7_1.contains(name))) {
                fromJava.put("Uapi." + name, value);
            }
        });
        Arrays.stream(MigState.values()).forEach(s -> fromJava.put("MigState." + s.name(), (long) s.abi()));
        Arrays.stream(MigFeature.values()).forEach(f -> fromJava.put("MigFeature." + f.name(), (long) f.bit()));
        Arrays.stream(Errno.values()).forEach(e -> fromJava.put("Errno." + e.name(), (long) e.number()));
        assertThat(fromJava).hasSize(expressions.size());
        assertThat(new TreeMap<>(fromC)).isEqualTo(fromJava);
    }

    private static Map<String, Long> compileAndRun(Path tmp, Path include, Map<String, String> expressions)
            throws IOException, InterruptedException {
        StringBuilder c = new StringBuilder("""
                #include <linux/vfio.h>
                #include <linux/iommufd.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <poll.h>
                #include <stddef.h>
                #include <stdio.h>
                int main(void) {
                """);
        expressions.forEach((name, expr) ->
                c.append("    printf(\"%s %lld\\n\", \"").append(name).append("\", (long long)(").append(expr).append("));\n"));
        c.append("    return 0;\n}\n");
        Path source = tmp.resolve("uapi_layout.c");
        Files.writeString(source, c);
        Path binary = tmp.resolve("uapi_layout");
        // -I first: the kernel's vfio.h and iommufd.h shadow the host's older /usr/include/linux copies.
        List<String> gcc = new ArrayList<>(List.of("gcc", "-Wall", "-Werror"));
        gcc.addAll(UapiHeaders.GCC_DEFINES);
        gcc.addAll(List.of("-I", include.toString(), "-o", binary.toString(), source.toString()));
        String compileOutput = run(tmp, gcc.toArray(String[]::new));
        assertThat(Files.isExecutable(binary)).as("gcc output:\n%s", compileOutput).isTrue();
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(tmp, binary.toString()).split("\n")) {
            if (!line.isBlank()) {
                String[] parts = line.split(" ");
                values.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        return values;
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException(command[0] + " cannot be run (for gcc: apt-get install gcc): " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("%s finished", command[0]).isTrue();
        assertThat(p.exitValue()).as("%s exit status; output:\n%s", command[0], out).isZero();
        return out;
    }

    private static Map<String, Long> uapiFields() {
        Map<String, Long> fields = new TreeMap<>();
        for (Field f : Uapi.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m)) {
                try {
                    fields.put(f.getName(), ((Number) f.get(null)).longValue());
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return fields;
    }
}

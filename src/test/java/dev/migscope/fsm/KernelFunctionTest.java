package dev.migscope.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.testsupport.KernelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The strongest check there is: compile the kernel's own vfio_mig_get_next_state() out of
 * drivers/vfio/vfio_main.c of each kernel migscope is proven on (Linux 6.12 and 7.3) with gcc, run
 * it for all 4 feature sets x 8 x 8 pairs, and compare every answer with {@link MigrationFsm#nextStep}.
 */
class KernelFunctionTest {

    private static final String HARNESS_HEAD = """
            #include <stdio.h>
            #include <linux/types.h>
            typedef __u8 u8;
            #define WARN_ON(x) (x)
            #define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
            #define EXPORT_SYMBOL_GPL(x)
            #define EINVAL 22
            #define __user /* headers_install strips it; the raw uapi header still has it */
            #define __counted_by(m) /* 7.x's vfio.h uses it; the host's 6.1 <linux/stddef.h> lacks it */
            struct vfio_device { unsigned int migration_flags; };
            #include <linux/vfio.h>
            """;

    private static final String HARNESS_MAIN = """
            int main(void)
            {
                static const unsigned int sets[] = { 1, 3, 5, 7 };
                for (int s = 0; s < 4; s++)
                    for (int cur = 0; cur < 8; cur++)
                        for (int new = 0; new < 8; new++) {
                            struct vfio_device d = { .migration_flags = sets[s] };
                            enum vfio_device_mig_state next = 99;
                            int rc = vfio_mig_get_next_state(&d, cur, new, &next);
                            printf("%u %d %d %d\\n", sets[s], cur, new, rc ? -1 : (int)next);
                        }
                return 0;
            }
            """;

    @ParameterizedTest(name = "Linux {0}")
    @ValueSource(strings = {"6.12", "7.3"})
    void javaTableEqualsTheCompiledKernelFunction(String version, @TempDir Path dir) throws IOException {
        assertThat(KernelSource.VERSIONS).contains(version);
        KernelSource.requireGcc();
        Path src = KernelSource.extract(version, "drivers/vfio/vfio_main.c", "include/uapi/linux/vfio.h");
        String function = extractFunction(Files.readString(src.resolve("drivers/vfio/vfio_main.c")));

        // Only the kernel's vfio.h: <linux/types.h> and <linux/ioctl.h> come from the host, as for any user.
        Path inc = Files.createDirectories(dir.resolve("include/linux"));
        Files.copy(src.resolve("include/uapi/linux/vfio.h"), inc.resolve("vfio.h"));
        Files.writeString(dir.resolve("harness.c"), HARNESS_HEAD + function + "\n" + HARNESS_MAIN);
        KernelSource.RunResult cc = KernelSource.run(List.of("gcc", "-std=gnu11", "-O0", "-I", "include",
                "-o", "harness", "harness.c"), dir);
        assertThat(cc.exit()).as("gcc: " + cc.err()).isZero();
        KernelSource.RunResult run = KernelSource.run(List.of("./harness"), dir);
        assertThat(run.exit()).isZero();

        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(256);
        for (String line : lines) {
            String[] f = line.split(" ");
            MigFeatures features = new MigFeatures(Integer.parseInt(f[0]));
            MigState cur = MigState.fromAbi(Integer.parseInt(f[1])).orElseThrow();
            MigState target = MigState.fromAbi(Integer.parseInt(f[2])).orElseThrow();
            int kernelNext = Integer.parseInt(f[3]);
            MigPath ours = MigrationFsm.nextStep(features, cur, target);
            String where = features + ": " + cur + " -> " + target;
            if (kernelNext < 0) {
                assertThat(ours.isRefused()).as(where + " refused by the kernel").isTrue();
            } else {
                assertThat(ours.next().map(MigState::abi)).as(where).contains(kernelNext);
            }
        }
    }

    /** The text of {@code int vfio_mig_get_next_state(...) { ... }} from vfio_main.c. */
    static String extractFunction(String source) {
        int start = source.indexOf("int vfio_mig_get_next_state(");
        int end = source.indexOf("EXPORT_SYMBOL_GPL(vfio_mig_get_next_state);");
        assertThat(start).as("vfio_mig_get_next_state in vfio_main.c").isPositive();
        assertThat(end).isGreaterThan(start);
        return source.substring(start, end);
    }
}

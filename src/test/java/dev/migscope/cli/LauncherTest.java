package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./migscope in a checkout that was never packaged says how to build instead of a Java error. */
class LauncherTest {

    @TempDir
    Path checkout;

    @Test
    void withoutTheJarItNamesTheBuildCommand() throws Exception {
        Path script = Files.copy(Path.of("migscope"), checkout.resolve("migscope"), StandardCopyOption.COPY_ATTRIBUTES);

        Process p = new ProcessBuilder("bash", script.toString(), "list").directory(checkout.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.waitFor()).isEqualTo(ExitCode.USAGE);
        assertThat(out).isEmpty();
        assertThat(err.split("\\R")).hasSize(1);
        assertThat(err).contains("./mvnw -B -DskipTests package", checkout.resolve("target/migscope.jar").toString());
    }
}

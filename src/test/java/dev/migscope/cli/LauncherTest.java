package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./migscope: in a checkout that was never packaged it says how to build instead of a Java error;
 * the window runs with a class-data-sharing archive that the first window of a build writes.
 */
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

    /**
     * A built checkout whose "java" records its arguments and, asked to archive at exit, writes
     * the archive as the JVM would: what the launcher decides, and what it leaves behind.
     */
    @Test
    void theWindowWritesAClassArchiveOnceAndMapsItUntilTheBuildChanges() throws Exception {
        Path script = Files.copy(Path.of("migscope"), checkout.resolve("migscope"), StandardCopyOption.COPY_ATTRIBUTES);
        Path jar = Files.createDirectories(checkout.resolve("target")).resolve("migscope.jar");
        Files.writeString(jar, "jar");
        Path lib = Files.createDirectories(checkout.resolve("target/lib"));
        Files.writeString(lib.resolve("javafx-base.jar"), "jar");
        Path javaHome = Files.createDirectories(checkout.resolve("jdk/bin"));
        Path args = checkout.resolve("java-args");
        Path fakeJava = javaHome.resolve("java");
        Files.writeString(fakeJava, String.join("\n",
                "#!/usr/bin/env bash",
                "printf '%s\\n' \"$@\" > '" + args + "'",
                "for a in \"$@\"; do case \"$a\" in -XX:ArchiveClassesAtExit=*) echo archive > \"${a#*=}\";; esac; done",
                "exit 0", ""));
        fakeJava.toFile().setExecutable(true);
        Path jsa = checkout.resolve("target/migscope.jsa");

        run(script, checkout.resolve("jdk"));
        assertThat(Files.readAllLines(args)).anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit=" + jsa + "."))
                .contains("dev.migscope.Main").noneMatch(a -> a.startsWith("-XX:SharedArchiveFile"));
        assertThat(Files.readString(jsa)).isEqualTo("archive\n");
        try (var files = Files.list(checkout.resolve("target"))) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".partial"));
        }

        run(script, checkout.resolve("jdk"));
        assertThat(Files.readAllLines(args)).contains("-XX:SharedArchiveFile=" + jsa, "-Xlog:cds=off")
                .noneMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit"));

        // A rebuilt jar makes the archive stale: the next window writes a new one.
        Files.setLastModifiedTime(lib.resolve("javafx-base.jar"),
                FileTime.fromMillis(Files.getLastModifiedTime(jsa).toMillis() + 5000));
        run(script, checkout.resolve("jdk"));
        assertThat(Files.readAllLines(args)).anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit="));

        // `migscope window ...` is the window too.
        run(script, checkout.resolve("jdk"), "window", "--theme", "dark");
        assertThat(Files.readAllLines(args)).anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit="))
                .endsWith("dev.migscope.Main", "window", "--theme", "dark");

        // Any other command is the CLI: no archive either way.
        run(script, checkout.resolve("jdk"), "list");
        assertThat(Files.readAllLines(args)).noneMatch(a -> a.contains("Archive")).endsWith("dev.migscope.Main", "list");
    }

    private static void run(Path script, Path javaHome, String... command) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("bash", script.toString()));
        cmd.addAll(java.util.List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", javaHome.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }
}

package dev.migscope.testsupport;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Files of Debian's linux-source packages (6.12 and 7.3), extracted once into ~/.cache by
 * src/test/scripts/kernel-source.sh, and gcc: what tests need to compare the Java side with the
 * kernel's own code and headers. A missing package fails the test with the command that gets it.
 */
public final class KernelSource {
    private KernelSource() {
    }

    /** The kernels migscope is proven on: the rig boots both, the header and FSM tests compile both. */
    public static final List<String> VERSIONS = List.of("6.12", "7.3");

    /** Extracts {@code files} (paths inside the source tree) of Linux {@code version} and returns the tree's cache root. */
    public static Path extract(String version, String... files) {
        return extract(Map.of(), version, files);
    }

    /**
     * {@link #extract(String, String...)} with the script's environment overridden
     * ({@code LINUX_SOURCE_TARBALL}, {@code XDG_CACHE_HOME}): for tests of the lookup itself.
     */
    static Path extract(Map<String, String> env, String version, String... files) {
        List<String> cmd = new ArrayList<>(List.of("env"));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(List.of("sh", "src/test/scripts/kernel-source.sh", version));
        cmd.addAll(List.of(files));
        RunResult r = run(cmd, null);
        if (r.exit != 0) {
            missing("linux-source-" + version + " (" + r.err.strip() + ")", fetch(version));
        }
        return Path.of(r.out.strip());
    }

    /** How a machine gets the package: 6.12 is bookworm's, 7.3 comes from trixie-backports. */
    private static String fetch(String version) {
        return version.equals("6.12") ? "apt-get install linux-source-6.12"
                : "add Debian's trixie-backports suite to apt, then src/test/scripts/linux-source.sh " + version;
    }

    /** gcc on the PATH, or a clear failure. */
    public static void requireGcc() {
        RunResult r = run(List.of("sh", "-c", "command -v gcc"), null);
        if (r.exit != 0) {
            missing("gcc", "apt-get install gcc");
        }
    }

    /** A missing tool fails the test, naming the fix: a skipped check would pass for one that never ran. */
    private static void missing(String what, String fix) {
        fail(what + " is needed for this test: " + fix + " (.ci/run installs it)");
    }

    /** The outcome of a finished process. */
    public record RunResult(int exit, String out, String err) {
    }

    /** Runs a command, waiting at most 5 minutes. */
    public static RunResult run(List<String> cmd, Path dir) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Path out = Files.createTempFile("migscope-run", ".out");
            Path err = Files.createTempFile("migscope-run", ".err");
            try {
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    fail("timed out: " + cmd);
                }
                return new RunResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + cmd, e);
        }
    }
}

package dev.migscope.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds include/uapi/linux/{vfio,iommufd}.h of Linux 6.12 (never the host's /usr/include copy,
 * which is older) and caches them in {@code $MIGSCOPE_CACHE/uapi-6.12/linux/} (default
 * ~/.cache/migscope): from an extracted tree in /tmp/ksrc, else from the linux-source-6.12
 * tarball under /usr/src (extracted once, then cached).
 */
final class UapiHeaders {

    static final List<String> HEADERS = List.of("vfio.h", "iommufd.h");
    static final Path EXTRACTED = Path.of("/tmp/ksrc/linux-source-6.12/include/uapi/linux");
    static final Path TARBALL = Path.of("/usr/src/linux-source-6.12.tar.xz");

    private UapiHeaders() {
    }

    static Path cacheDir() {
        String root = System.getenv("MIGSCOPE_CACHE");
        Path base = root != null && !root.isBlank() ? Path.of(root)
                : Path.of(System.getProperty("user.home"), ".cache", "migscope");
        return base.resolve("uapi-6.12");
    }

    /**
     * The include directory to put first on gcc's path (it holds {@code linux/vfio.h} and
     * {@code linux/iommufd.h}).
     *
     * @throws IllegalStateException saying how to get the headers when no source has them
     */
    static Path includeDir() throws IOException, InterruptedException {
        return includeDir(cacheDir(), EXTRACTED, TARBALL, System.getenv("CI") != null);
    }

    /** {@link #includeDir()} with every place it looks given, for tests of the lookup itself. */
    static Path includeDir(Path cache, Path extracted, Path tarball, boolean ci) throws IOException, InterruptedException {
        Path linux = cache.resolve("linux");
        if (HEADERS.stream().allMatch(h -> isLinux612(linux.resolve(h)))) {
            return cache;
        }
        Files.createDirectories(linux);
        if (HEADERS.stream().allMatch(h -> Files.isRegularFile(extracted.resolve(h)))) {
            for (String h : HEADERS) {
                Files.copy(extracted.resolve(h), linux.resolve(h), StandardCopyOption.REPLACE_EXISTING);
            }
        } else if (Files.isRegularFile(tarball)) {
            extract(tarball, linux);
        } else {
            throw new IllegalStateException(ci
                    ? "Linux 6.12 uAPI headers missing: CI installs linux-source-6.12 (apt-get install linux-source-6.12)"
                    : "Linux 6.12 uAPI headers missing: apt-get install linux-source-6.12 (gives " + tarball
                            + "), or extract it to /tmp/ksrc");
        }
        for (String h : HEADERS) {
            if (!isLinux612(linux.resolve(h))) {
                throw new IllegalStateException(linux.resolve(h) + " is not Linux 6.12's " + h);
            }
        }
        return cache;
    }

    private static void extract(Path tarball, Path linux) throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory(linux.getParent(), ".extract");
        try {
            Process p = new ProcessBuilder("tar", "-xJf", tarball.toString(), "-C", tmp.toString(), "--wildcards",
                    "*/include/uapi/linux/vfio.h", "*/include/uapi/linux/iommufd.h")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("tar could not extract the uAPI headers from " + tarball + ": " + out);
            }
            for (String h : HEADERS) {
                Path found;
                try (var s = Files.walk(tmp)) {
                    found = s.filter(f -> f.endsWith(Path.of("include/uapi/linux", h))).findFirst()
                            .orElseThrow(() -> new IllegalStateException(tarball + " has no include/uapi/linux/" + h));
                }
                Files.move(found, linux.resolve(h), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            try (var s = Files.walk(tmp)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** A marker each header gained by 6.12 and the host's 6.1 copy lacks. */
    private static boolean isLinux612(Path header) {
        if (!Files.isRegularFile(header)) {
            return false;
        }
        try {
            String text = Files.readString(header);
            return header.getFileName().toString().equals("vfio.h")
                    ? text.contains("VFIO_DEVICE_FEATURE_BUS_MASTER") && text.contains("vfio_device_bind_iommufd")
                    : text.contains("IOMMUFD_CMD_FAULT_QUEUE_ALLOC");
        } catch (IOException e) {
            return false;
        }
    }
}

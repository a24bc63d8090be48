package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.VfioException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of seeded, damaged host trees (sysfs, /dev, /proc, debugfs, pci.ids): missing driver,
 * group and type links, dangling symlinks (a device whose directory vanished after readdir, a group
 * or driver that is not there), links to "/", garbage and random bytes in attribute files,
 * directories where files belong (what an unreadable file looks like to root), group names that
 * are not numbers or overflow an int, garbage in /proc and debugfs, and devices deleted by another
 * thread while the scan runs. Listing never throws; every mdev and every PCI function bound to a
 * vfio driver is listed, each either openable or with a sentence saying why not (DeviceInfo.access);
 * watching and opening a listed device fails, if it fails, with a VfioException only.
 */
class SysfsFuzzTest {

    static final int TREES = 2_000;

    @TempDir
    Path tmp;

    int listed;
    int explained;
    int opened;
    int vanishing;

    @Test
    void damagedTreesAreListedOrExplainedNeverThrown() throws Exception {
        // The trees are thousands of small files: on tmpfs when the host has one, not on a busy disk.
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "migscope-sysfs-fuzz") : tmp;
        try {
            fuzz(base);
        } finally {
            if (!base.equals(tmp)) {
                delete(base);
            }
        }
        System.out.printf("sysfs fuzz: %d trees, %d devices listed, %d of them with an access explanation, "
                + "%d opens tried, %d trees scanned while devices vanished%n", TREES, listed, explained, opened,
                vanishing);
        assertThat(listed).isGreaterThan(TREES);
        assertThat(explained).isPositive();
    }

    private void fuzz(Path base) throws Exception {
        for (int t = 0; t < TREES; t++) {
            SplittableRandom rnd = new SplittableRandom(1_000_003L * t);
            Path root = base.resolve("t" + t);
            FakeHost host = new FakeHost(root);
            List<String> mustList = new ArrayList<>();
            build(host, rnd, mustList);
            try {
                check(host, rnd, mustList, t);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("tree " + t + " (seed " + 1_000_003L * t + "): " + e, e);
            }
            delete(root);
        }
    }

    private void check(FakeHost host, SplittableRandom rnd, List<String> mustList, int t) throws Exception {
        LinuxBackend backend = new LinuxBackend(host.roots(), p -> true);
        if (t % 10 == 9) {
            // Devices vanish while the scan runs: another thread deletes device directories.
            vanishing++;
            List<Path> victims = new ArrayList<>();
            try (Stream<Path> s = Files.list(host.sys.resolve("devices/pci0000:00"))) {
                s.forEach(victims::add);
            } catch (IOException e) {
                // no PCI devices in this tree
            }
            Thread killer = new Thread(() -> victims.forEach(SysfsFuzzTest::delete));
            killer.start();
            for (int i = 0; i < 3; i++) {
                backend.list();
            }
            killer.join();
            backend.list();
            return;
        }
        List<DeviceInfo> devices = backend.list();
        Set<String> ids = new HashSet<>();
        for (DeviceInfo d : devices) {
            listed++;
            ids.add(d.id());
            assertThat(d.id()).isNotBlank();
            assertThat(d.driver()).isNotBlank();
            assertThat(d.kind()).isNotNull();
            if (d.access() != null) {
                explained++;
                assertThat(d.access()).isNotBlank();
            }
            // An mdev whose directory vanished after readdir is still listed (explained: no group); owns
            // then says no, and opening it says ENODEV. Neither may throw.
            backend.owns(d.id());
            backend.watchState(d.id());
            if (d.access() == null && rnd.nextInt(8) == 0) {
                opened++;
                try {
                    backend.open(d.id()).close();
                } catch (VfioException e) {
                    assertThat(e.error().describe()).isNotBlank();
                }
            }
        }
        assertThat(ids).containsAll(mustList);
    }

    private static final String[] DRIVERS = {"vfio-pci", "mlx5_vfio_pci", "e1000e", "nvme", "mtty", "vfio_mdev"};

    private void build(FakeHost host, SplittableRandom rnd, List<String> mustList) throws IOException {
        switch (rnd.nextInt(4)) {
            case 0 -> FakeHost.write(host.pciIds, "15b3  Mellanox Technologies\n\t101e  ConnectX VF\n");
            case 1 -> Files.write(host.pciIds, garbage(rnd));
            case 2 -> FakeHost.write(host.pciIds, "1\n\t2\nx\t\n15b\n\t\t\n\tzzzzzzzz\nC\n");
            default -> {
                // no pci.ids
            }
        }
        if (rnd.nextInt(10) == 0) {
            Files.write(host.proc.resolve("self/status"), garbage(rnd));
        }
        int pcis = rnd.nextInt(6);
        int group = 0;
        for (int i = 0; i < pcis; i++) {
            String bdf = String.format("0000:%02x:%02x.%d", rnd.nextInt(256), i, rnd.nextInt(8));
            if (Files.exists(host.sys.resolve("bus/pci/devices").resolve(bdf), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            String driver = rnd.nextInt(6) == 0 ? null : DRIVERS[rnd.nextInt(3)];
            Path d = host.pci(bdf, driver, attribute(rnd), attribute(rnd));
            boolean intact = true;
            if (rnd.nextInt(3) > 0) {
                host.group(d, group++, rnd.nextInt(5) == 0);
            }
            if (rnd.nextInt(2) == 0) {
                host.cdev(d, group + 100, rnd.nextBoolean());
            }
            if (rnd.nextInt(4) == 0) {
                host.process(100 + i, "qemu-system-x86", host.dev.resolve("vfio/" + (group - 1)));
            }
            if (rnd.nextInt(4) == 0) {
                FakeHost.write(host.debugfs.resolve("vfio").resolve(bdf).resolve("migration/state"),
                        new String(garbage(rnd), java.nio.charset.StandardCharsets.ISO_8859_1));
            }
            Set<String> damaged = new HashSet<>();
            intact &= damage(host, d, rnd, damaged);
            if (intact && !damaged.contains("driver") && driver != null && (driver.equals("vfio-pci") || driver.endsWith("_vfio_pci"))) {
                mustList.add(bdf);
            }
        }
        int mdevs = rnd.nextInt(4);
        for (int i = 0; i < mdevs; i++) {
            String uuid = String.format("83b8f4f2-509f-382f-3c1e-%012x", rnd.nextLong() & 0xFFFFFFFFFFFFL);
            Path d = host.mdev(uuid, rnd.nextBoolean() ? "vfio_mdev" : null, "mtty-" + (1 + rnd.nextInt(2)),
                    rnd.nextInt(4) == 0 ? new String(garbage(rnd), java.nio.charset.StandardCharsets.UTF_8) : "Dual");
            if (rnd.nextInt(3) > 0) {
                host.group(d, group++, false);
                host.cdev(d, group + 200, true);
            }
            if (damage(host, d, rnd, new HashSet<>())) {
                mustList.add(uuid);
            }
        }
        if (rnd.nextInt(8) == 0) {
            // /proc garbage: a pid directory that is not an int, fd links to nowhere, a fd that is a file.
            FakeHost.mkdirs(host.proc.resolve("99999999999/fd"));
            FakeHost.link(host.proc.resolve("99999999999/fd/3"), host.dev.resolve("vfio/0"));
            FakeHost.mkdirs(host.proc.resolve("77/fd"));
            FakeHost.write(host.proc.resolve("77/fd/4"), "not a link");
        }
    }

    /**
     * Damages device directory {@code d} at random.
     *
     * @param damaged gets the names of the attributes damaged
     * @return true when the device is still a device (its directory and bus entry exist)
     */
    private static boolean damage(FakeHost host, Path d, SplittableRandom rnd, Set<String> damaged)
            throws IOException {
        boolean intact = true;
        for (String attr : List.of("vendor", "device", "iommu_group", "driver", "mdev_type")) {
            Path p = d.resolve(attr);
            int what = rnd.nextInt(14);
            if (what <= 5) {
                damaged.add(attr);
            }
            switch (what) {
                case 0 -> delete(p); // missing
                case 1 -> { // a directory where a file or link belongs: unreadable as a file, even to root
                    delete(p);
                    FakeHost.mkdirs(p.resolve("x"));
                }
                case 2 -> { // dangling link
                    delete(p);
                    FakeHost.link(p, Path.of("../../no/such/thing"));
                }
                case 3 -> { // a link to the root, whose file name is null
                    delete(p);
                    FakeHost.link(p, Path.of("/"));
                }
                case 4 -> { // garbage where a link belongs
                    delete(p);
                    Files.write(p, garbage(rnd));
                }
                case 5 -> { // a group or type name that is a number too big, or not a number
                    delete(p);
                    FakeHost.link(p, Path.of(rnd.nextBoolean() ? "../../kernel/iommu_groups/99999999999"
                            : "../x/-1"));
                }
                default -> {
                    // left as built
                }
            }
        }
        if (rnd.nextInt(12) == 0) {
            // Vanished after readdir: the bus entry dangles.
            delete(d);
            intact = false;
        }
        return intact;
    }

    private static String attribute(SplittableRandom rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> "0x15b3";
            case 1 -> "0x101e";
            case 2 -> "";
            case 3 -> "0x" + "f".repeat(rnd.nextInt(1, 5000));
            case 4 -> new String(garbage(rnd), java.nio.charset.StandardCharsets.ISO_8859_1);
            default -> "\u0000\uFFFD\n\n\t";
        };
    }

    static byte[] garbage(SplittableRandom rnd) {
        byte[] b = new byte[rnd.nextInt(10) == 0 ? rnd.nextInt(64 * 1024) : rnd.nextInt(64)];
        rnd.nextBytes(b);
        return b;
    }

    static void delete(Path p) {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.sorted(Comparator.reverseOrder()).forEach(q -> {
                        try {
                            Files.deleteIfExists(q);
                        } catch (IOException e) {
                            // deleted by the other thread already
                        }
                    });
                }
            } else {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // another thread deleted it first
        }
    }
}

package dev.migscope.linux;

import dev.migscope.device.Owner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who holds which vfio device, from one pass over /proc/PID/fd. A process holds a device through
 * <ul>
 * <li>its group node ({@code /dev/vfio/12}, {@code /dev/vfio/noiommu-0}), as QEMU does: the group
 *     keeps the device busy for every other opener;</li>
 * <li>its cdev ({@code /dev/vfio/devices/vfio3});</li>
 * <li>a device fd, {@code anon_inode:[vfio-device]}, which VFIO_GROUP_GET_DEVICE_FD returns and
 *     which keeps the group open after the group fd is closed. Since Linux 6.18 its
 *     /proc/PID/fdinfo names the device ({@code vfio-device-syspath}); before, it names none.</li>
 * </ul>
 * A data_fd ({@code anon_inode:mlx5vf_mig}, see {@link MigrationDrivers}) tells that the process
 * is migrating a device of that driver, not which one. Processes whose fd directory this user
 * cannot read (other users' processes, unless root) are invisible; callers say so. A process that
 * exits while its directory is read (readdir fails: {@link DirectoryIteratorException}) is skipped
 * like one that is gone: /proc changes under every reader, and a scan never fails for it.
 */
final class ProcOwners {

    /** The anonymous inode name of a device fd (drivers/vfio/group.c). */
    private static final String DEVICE_FD = "anon_inode:[vfio-device]";
    /** The fdinfo line of a device fd, Linux 6.18+ (vfio_device_show_fdinfo). */
    private static final String SYSPATH = "vfio-device-syspath:";
    /** include/linux/sched.h: comm's buffer, its terminating NUL included. */
    private static final int TASK_COMM_LEN = 16;
    /** include/linux/net.h: the flag /proc/net/unix shows on a listening socket. */
    private static final long SO_ACCEPTCON = 1L << 16;
    /** The most of /proc/PID/cmdline read for a libvirt domain's name. */
    static final int MAX_CMDLINE = 1 << 20;

    /**
     * How a process holds a device: the owner and what it holds open, for a sentence.
     *
     * @param through {@code /dev/vfio/12}, or {@code a device fd (/proc/42/fd/9)}
     */
    record Holding(Owner owner, String through) {
    }

    private final Map<String, Owner> byNode = new HashMap<>();
    private final Map<String, Holding> byDevice = new HashMap<>();
    /** Holders of device fds whose fdinfo names no device (a kernel before 6.18). */
    private final Set<Owner> unattributed = new LinkedHashSet<>();
    /** Data_fd holders by the driver the data_fd belongs to. */
    private final Map<String, Set<Owner>> migrating = new HashMap<>();
    private final boolean root;

    private ProcOwners(boolean root) {
        this.root = root;
    }

    /** Opens a directory of /proc; a test substitutes one whose reading fails as a process's exit makes it. */
    @FunctionalInterface
    interface Directories {
        DirectoryStream<Path> open(Path dir) throws IOException;

        Directories FILES = Files::newDirectoryStream;
    }

    /** One pass over /proc; only links into {@code vfioDir} and vfio's anonymous inodes are kept. */
    static ProcOwners scan(Path proc, Path vfioDir) {
        return scan(proc, vfioDir, Directories.FILES);
    }

    static ProcOwners scan(Path proc, Path vfioDir, Directories dirs) {
        ProcOwners owners = new ProcOwners(effectiveUid(proc) == 0);
        String prefix = vfioDir.toString() + "/";
        try (DirectoryStream<Path> pids = dirs.open(proc)) {
            for (Path pidDir : pids) {
                if (isPid(pidDir.getFileName().toString())) {
                    owners.scanProcess(pidDir, prefix, dirs);
                }
            }
        } catch (IOException | DirectoryIteratorException | UncheckedIOException e) {
            // No /proc (or not readable, or its listing broke off): who was seen so far is kept, the
            // rest cannot be named, which the error sentences say.
        }
        return owners;
    }

    private void scanProcess(Path pidDir, String prefix, Directories dirs) {
        Owner owner = null;
        try (DirectoryStream<Path> fds = dirs.open(pidDir.resolve("fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException | UnsupportedOperationException e) {
                    continue; // the fd was closed while we looked, or is not a link
                }
                boolean node = target.startsWith(prefix);
                Optional<MigrationDrivers.Driver> dataFd = target.startsWith("anon_inode:")
                        ? MigrationDrivers.byDataFd(target.substring("anon_inode:".length()))
                        : Optional.empty();
                if (!node && !target.equals(DEVICE_FD) && dataFd.isEmpty()) {
                    continue;
                }
                if (owner == null) {
                    owner = owner(pidDir);
                }
                if (node) {
                    byNode.putIfAbsent(target, owner);
                } else if (dataFd.isPresent()) {
                    migrating.computeIfAbsent(dataFd.get().name(), d -> new LinkedHashSet<>()).add(owner);
                } else {
                    deviceFd(pidDir, fd, owner);
                }
            }
        } catch (IOException | DirectoryIteratorException | UncheckedIOException e) {
            // Another user's process, or one that exited (even while its fds were read): skip it.
        }
    }

    /** A device fd: attributed by its fdinfo's syspath (6.18+), else kept as "some device". */
    private void deviceFd(Path pidDir, Path fd, Owner owner) {
        Optional<String> syspath = read(pidDir.resolve("fdinfo").resolve(fd.getFileName()))
                .flatMap(info -> info.lines().filter(l -> l.startsWith(SYSPATH)).findFirst())
                .map(l -> l.substring(SYSPATH.length()).trim())
                .filter(p -> !p.isEmpty());
        if (syspath.isEmpty()) {
            unattributed.add(owner);
            return;
        }
        // /sys/devices/pci0000:00/0000:00:05.0 or /sys/devices/virtual/mtty/mtty/<uuid>: the device's sysfs name.
        Path p = Path.of(syspath.get());
        if (p.getFileName() != null) {
            byDevice.putIfAbsent(p.getFileName().toString(),
                    new Holding(owner, "a device fd (" + pidDir.resolve("fd").resolve(fd.getFileName()) + ")"));
        }
    }

    /**
     * The first process found holding the device: by its device fd's fdinfo (exact, 6.18+), its
     * cdev or its group node. Either node may be null.
     */
    Optional<Holding> holderOf(String deviceId, Path cdevNode, Path groupNode) {
        Holding byFd = byDevice.get(deviceId);
        if (byFd != null) {
            return Optional.of(byFd);
        }
        for (Path node : new Path[] {cdevNode, groupNode}) {
            if (node != null && byNode.containsKey(node.toString())) {
                return Optional.of(new Holding(byNode.get(node.toString()), node.toString()));
            }
        }
        return Optional.empty();
    }

    /**
     * Processes that may hold the device, when {@link #holderOf} names none: holders of device fds
     * whose fdinfo names no device (before Linux 6.18), and holders of a data_fd of the device's driver.
     */
    List<String> candidates(String driver) {
        List<String> out = new ArrayList<>();
        for (Owner o : unattributed) {
            out.add(o + " holds a vfio device fd whose device /proc does not name (Linux 6.18 adds "
                    + SYSPATH.substring(0, SYSPATH.length() - 1) + " to its fdinfo)");
        }
        MigrationDrivers.byName(driver).ifPresent(d -> {
            for (Owner o : migrating.getOrDefault(d.name(), Set.of())) {
                out.add(o + " holds a " + d.name() + " migration data_fd (anon_inode:" + d.dataFd() + ")");
            }
        });
        return out;
    }

    /**
     * The process listening on a UNIX socket bound to {@code socket}: /proc/net/unix names the
     * listening socket's inode (the entry with __SO_ACCEPTCON among its flags, bound to that path),
     * and the process holds it as an fd linking to {@code socket:[INODE]}. Only this network
     * namespace's sockets, only processes whose fds this user can read (its own; every one as root),
     * and only a socket bound by its absolute path (a relative bind names it relative to QEMU's cwd).
     * When several listening sockets carry the path (one was unlinked and bound again) or several
     * processes hold the one that does, nobody is named: naming one could name the wrong process.
     */
    static Optional<Owner> socketListener(Path proc, Path socket) {
        String path = socket.toAbsolutePath().normalize().toString();
        List<String> inodes = read(proc.resolve("net/unix")).map(table -> table.lines().skip(1)
                .map(l -> l.trim().split("\\s+", 8))
                // Num RefCount Protocol Flags Type St Inode Path
                .filter(f -> f.length == 8 && f[7].equals(path) && (parseHex(f[3]) & SO_ACCEPTCON) != 0)
                .map(f -> f[6]).distinct().toList()).orElse(List.of());
        if (inodes.size() != 1) {
            return Optional.empty();
        }
        String link = "socket:[" + inodes.get(0) + "]";
        Owner found = null;
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
            for (Path pidDir : pids) {
                if (holds(pidDir, link)) {
                    if (found != null) {
                        return Optional.empty();
                    }
                    found = owner(pidDir);
                }
            }
        } catch (IOException | DirectoryIteratorException | UncheckedIOException e) {
            // No /proc, or its listing broke off: a holder not seen may share the socket.
            return Optional.empty();
        }
        return Optional.ofNullable(found);
    }

    private static boolean holds(Path pidDir, String link) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(pidDir.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(link)) {
                        return true;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed while we looked
                }
            }
        } catch (IOException | DirectoryIteratorException | UncheckedIOException e) {
            // Another user's process, or one that exited.
        }
        return false;
    }

    private static long parseHex(String s) {
        try {
            return Long.parseLong(s, 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Root sees every process's fds; anyone else sees only their own processes. */
    boolean seesEveryProcess() {
        return root;
    }

    /** The effective uid from /proc/self/status ({@code Uid: real effective saved fs}); -1 when unknown. */
    static int effectiveUid(Path proc) {
        return read(proc.resolve("self/status")).flatMap(status -> status.lines()
                        .filter(l -> l.startsWith("Uid:")).findFirst())
                .map(l -> l.substring("Uid:".length()).trim().split("\\s+"))
                .filter(f -> f.length > 1 && !f[1].isEmpty() && f[1].chars().allMatch(Character::isDigit)
                        && f[1].length() < 10)
                .map(f -> Integer.parseInt(f[1]))
                .orElse(-1);
    }

    private static Owner owner(Path pidDir) {
        return new Owner(Integer.parseInt(pidDir.getFileName().toString()), comm(pidDir),
                cmdline(pidDir).flatMap(ProcOwners::libvirtDomain).orElse(null));
    }

    /**
     * The libvirt domain a QEMU runs, from the command line libvirt gives it: {@code -name
     * guest=NAME,debug-threads=on} (QEMU's option syntax, a comma in NAME doubled) and its
     * per-domain directory ({@code .../libvirt/qemu/domain-ID-NAME/}, the master key's file, which
     * libvirt passes to every QEMU it starts). A QEMU started by hand with {@code -name guest=} has no
     * such directory and is named by its command only.
     */
    static Optional<String> libvirtDomain(String cmdline) {
        String[] argv = cmdline.split("\0");
        String name = null;
        boolean libvirtDir = false;
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("-name") && i + 1 < argv.length && argv[i + 1].startsWith("guest=")) {
                name = optionValue(argv[i + 1].substring("guest=".length()));
            }
            libvirtDir |= argv[i].contains("/libvirt/qemu/domain-");
        }
        return libvirtDir && name != null && !name.isEmpty() ? Optional.of(name) : Optional.empty();
    }

    /** QEMU's option value up to its first single comma, {@code ,,} read as one comma. */
    private static String optionValue(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') {
                if (i + 1 < s.length() && s.charAt(i + 1) == ',') {
                    i++;
                } else {
                    break;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** The command line, at most {@link #MAX_CMDLINE} bytes of it (a QEMU's is some KiB). */
    private static Optional<String> cmdline(Path pidDir) {
        try (var in = Files.newInputStream(pidDir.resolve("cmdline"))) {
            return Optional.of(new String(in.readNBytes(MAX_CMDLINE), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The process's command: its comm, which the kernel cuts to 15 bytes (TASK_COMM_LEN), so that
     * qemu-system-x86_64 reads "qemu-system-x86"; a cut comm is completed from the file name of
     * argv[0] when that begins with it.
     */
    private static String comm(Path pidDir) {
        String comm = read(pidDir.resolve("comm")).map(String::trim).orElse("?");
        if (comm.length() < TASK_COMM_LEN - 1) {
            return comm;
        }
        return read(pidDir.resolve("cmdline")).map(c -> c.split("\0", 2)[0])
                .map(argv0 -> argv0.substring(argv0.lastIndexOf('/') + 1))
                .filter(name -> name.startsWith(comm))
                .orElse(comm);
    }

    /** A /proc file's text; bytes that are not UTF-8 (comm and cmdline are any bytes) read as U+FFFD. */
    private static Optional<String> read(Path p) {
        try {
            return Optional.of(new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean isPid(String name) {
        // pid_max is at most 2^22: a longer run of digits is no process, and would not fit an int.
        if (name.isEmpty() || name.length() > 9) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}

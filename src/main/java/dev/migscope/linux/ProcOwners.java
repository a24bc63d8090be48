package dev.migscope.linux;

import dev.migscope.device.Owner;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Who holds which vfio node open: /proc/PID/fd/* links whose target is a group node
 * ({@code /dev/vfio/12}, {@code /dev/vfio/noiommu-0}) or a device cdev
 * ({@code /dev/vfio/devices/vfio3}). Processes whose fd directory this user cannot read
 * (other users' processes, unless root) are invisible; callers say so.
 */
final class ProcOwners {

    private final Map<String, Owner> byNode;

    private ProcOwners(Map<String, Owner> byNode) {
        this.byNode = byNode;
    }

    /** One pass over /proc; only links into {@code vfioDir} are kept. */
    static ProcOwners scan(Path proc, Path vfioDir) {
        Map<String, Owner> byNode = new HashMap<>();
        String prefix = vfioDir.toString() + "/";
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
            for (Path pidDir : pids) {
                scanProcess(pidDir, prefix, byNode);
            }
        } catch (IOException e) {
            // No /proc (or not readable): nobody can be named, which the error sentences say.
        }
        return new ProcOwners(byNode);
    }

    private static void scanProcess(Path pidDir, String prefix, Map<String, Owner> byNode) {
        Owner owner = null;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(pidDir.resolve("fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException | UnsupportedOperationException e) {
                    continue; // the fd was closed while we looked, or is not a link
                }
                if (target.startsWith(prefix) && !byNode.containsKey(target)) {
                    if (owner == null) {
                        owner = new Owner(Integer.parseInt(pidDir.getFileName().toString()), comm(pidDir));
                    }
                    byNode.put(target, owner);
                }
            }
        } catch (IOException e) {
            // Another user's process, or one that exited: skip it.
        }
    }

    private static String comm(Path pidDir) {
        try {
            return Files.readString(pidDir.resolve("comm")).trim();
        } catch (IOException e) {
            return "?";
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

    /** The first process found holding {@code node} open. */
    Optional<Owner> holderOf(Path node) {
        return node == null ? Optional.empty() : Optional.ofNullable(byNode.get(node.toString()));
    }
}

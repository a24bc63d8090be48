package dev.migscope.qemu;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where each device sits in the guest's PCI topology, from QMP {@code query-pci}: the path QEMU names a
 * device's migration sections by ({@code pcibus_get_dev_path}: the root bus as {@code domain:bus}, then
 * {@code slot.function} of each bridge on the way and of the device, e.g. {@code 0000:00:01.0}, or
 * {@code 0000:00:1c.0:00.0} behind a bridge), so a tap's {@code 0000:00:01.0/vfio} section can be
 * told which attached device it is. QEMU lists a bridge's devices only once the guest's firmware
 * numbered the bridge's bus: a device behind a bridge of a VM attached before its firmware ran has
 * no path.
 */
final class PciPaths {

    /**
     * Bridges nest at most this deep on the way to a device: real machines have a few; below the
     * QMP reader's JSON nesting bound (three levels a bridge), so this line, not that one, says it.
     */
    static final int MAX_DEPTH = 16;
    /** The most PCI functions read in one reply, bridges' children included. */
    static final int MAX_FUNCTIONS = VfioPciDevice.MAX_CHILDREN;
    /** The longest qdev id kept (QEMU's ids are short names). */
    static final int MAX_ID = 256;

    private PciPaths() {
    }

    /**
     * {@code qdev_id} to path, for each device that has an id; a reply past a bound, or against
     * QAPI (a slot of 40, a bus of -1), is an error naming the member.
     */
    static Map<String, String> read(QmpClient qmp) throws QmpException {
        Map<String, String> paths = new HashMap<>();
        int[] seen = {0};
        for (QmpReply root : qmp.query("query-pci", null).list(256, "PCI root buses")) {
            String prefix = String.format(Locale.ROOT, "0000:%02x", ranged(root, "bus", 255));
            walk(root, "devices", prefix, 0, paths, seen);
        }
        return paths;
    }

    private static void walk(QmpReply bus, String member, String prefix, int depth, Map<String, String> paths,
            int[] seen) throws QmpException {
        List<QmpReply> functions = bus.optionalList(member, MAX_FUNCTIONS - seen[0], "PCI functions");
        if (!functions.isEmpty() && depth > MAX_DEPTH) {
            throw bus.malformed(member, "nests bridges deeper than " + MAX_DEPTH + ", more than a PCI hierarchy has");
        }
        for (QmpReply d : functions) {
            seen[0]++;
            String path = prefix + String.format(Locale.ROOT, ":%02x.%x", ranged(d, "slot", 31),
                    ranged(d, "function", 7));
            String id = d.optionalText("qdev_id");
            if (id != null && !id.isEmpty() && id.length() <= MAX_ID) {
                paths.put(id, path);
            }
            walk(d.object("pci_bridge"), "devices", path, depth + 1, paths, seen);
        }
    }

    private static long ranged(QmpReply r, String member, long max) throws QmpException {
        Long n = r.optionalNumber(member);
        if (n == null || n < 0 || n > max) {
            throw r.malformed(member, (n == null ? "is missing" : "is " + n) + "; QAPI's PCI " + member
                    + " is 0 to " + max);
        }
        return n;
    }

    /** The path the paths name {@code device} by, or empty when QEMU did not list its id. */
    static String of(Map<String, String> paths, VfioPciDevice device) {
        return device.deviceId().isEmpty() ? "" : paths.getOrDefault(device.deviceId(), "");
    }
}

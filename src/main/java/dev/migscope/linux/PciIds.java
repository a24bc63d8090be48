package dev.migscope.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Vendor and device names from pci.ids: vendor lines are {@code vvvv  Name}, device lines
 * {@code \tdddd  Name}, subsystem lines ({@code \t\t}) are ignored; the {@code C} (class) section
 * at the end is not about vendors and stops the parse.
 */
final class PciIds {

    private static final PciIds EMPTY = new PciIds(Map.of(), Map.of());

    private final Map<String, String> vendors;
    private final Map<String, String> devices;

    private PciIds(Map<String, String> vendors, Map<String, String> devices) {
        this.vendors = vendors;
        this.devices = devices;
    }

    /** The first readable file of {@code candidates}; no names when none is. */
    static PciIds load(List<Path> candidates) {
        for (Path p : candidates) {
            if (Files.isReadable(p)) {
                try {
                    return parse(p);
                } catch (IOException e) {
                    // An unreadable copy is as good as none: devices are still listed by their ids.
                }
            }
        }
        return EMPTY;
    }

    private static PciIds parse(Path file) throws IOException {
        Map<String, String> vendors = new HashMap<>();
        Map<String, String> devices = new HashMap<>();
        String vendor = null;
        // pci.ids is UTF-8; a decoding error in one name should not lose the rest, so read leniently.
        try (BufferedReader r = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("C ")) {
                    break;
                }
                if (line.startsWith("\t\t")) {
                    continue;
                }
                if (line.startsWith("\t")) {
                    if (vendor != null && line.length() > 6) {
                        devices.put(vendor + ":" + line.substring(1, 5).toLowerCase(Locale.ROOT), line.substring(5).trim());
                    }
                    continue;
                }
                if (line.length() > 5) {
                    vendor = line.substring(0, 4).toLowerCase(Locale.ROOT);
                    vendors.put(vendor, line.substring(4).trim());
                }
            }
        }
        return new PciIds(vendors, devices);
    }

    /** {@code vendorId} as sysfs spells it: {@code 0x15b3}. */
    Optional<String> vendor(String vendorId) {
        return Optional.ofNullable(vendors.get(strip(vendorId)));
    }

    Optional<String> device(String vendorId, String deviceId) {
        return Optional.ofNullable(devices.get(strip(vendorId) + ":" + strip(deviceId)));
    }

    private static String strip(String id) {
        String s = id.trim().toLowerCase(Locale.ROOT);
        return s.startsWith("0x") ? s.substring(2) : s;
    }
}

package dev.migscope.stream;

import java.util.List;

/**
 * The stream's CONFIGURATION section (savevm.c vmstate_configuration): the machine type and the
 * subsections QEMU sends when they matter.
 *
 * @param machine        the machine type, e.g. "pc-q35-10.0"
 * @param targetPageBits the target's page bits when the stream says (configuration/target-page-bits), else 0
 * @param capabilities   the capabilities QEMU validates on load (x-ignore-shared, mapped-ram)
 * @param uuid           the VM's UUID when validate-uuid is on, else ""
 */
public record Configuration(String machine, int targetPageBits, List<String> capabilities, String uuid) {

    public boolean has(String capability) {
        return capabilities.contains(capability);
    }
}

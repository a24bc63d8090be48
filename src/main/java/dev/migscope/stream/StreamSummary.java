package dev.migscope.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * Everything read from one stream, up to its end or its first damage.
 *
 * @param source          the file, or the tap's listen address
 * @param streamStart     offset of the QEVM magic (after a libvirt save header)
 * @param end             offset where reading stopped
 * @param config          the CONFIGURATION section, null if the stream stopped before it
 * @param sections        sections in order (at most {@link StreamLimits#SECTIONS})
 * @param sectionsDropped sections past that bound, counted
 * @param ram             the RAM section's contents, null when the stream has none
 * @param devices         each VFIO device's live section
 * @param fields          the fields of vmdesc-walked sections, keyed "name (id)"
 * @param described       whether a vmdesc was read
 * @param eofOffset       where QEMU_VM_EOF lies, or -1 when the stream did not reach it
 * @param trailing        bytes after the stream and its vmdesc
 * @param notes           what was seen and not read (mapped-ram, packaged postcopy state, trailing bytes)
 * @param failure         where and why reading stopped early
 */
public record StreamSummary(String source, long streamStart, long end, Configuration config, List<Section> sections,
        long sectionsDropped, RamData ram, List<VfioData> devices, ObjectNode fields, boolean described,
        long eofOffset, long trailing, List<String> notes, Optional<StreamException> failure) {

    /** Whether the stream reached QEMU_VM_EOF. */
    public boolean complete() {
        return eofOffset >= 0;
    }

    /** The VFIO device whose section is {@code name} ("0000:00:01.0/vfio"), or whose PCI path is {@code name}. */
    public Optional<VfioData> device(String name) {
        return devices.stream().filter(d -> d.name().equals(name) || d.pciPath().equals(name)).findFirst();
    }
}

package dev.migscope.stream;

import java.util.List;

/**
 * One section of the stream as read: its header, where it lies, and what it carried.
 *
 * @param type     START, PART, END, FULL or COMMAND
 * @param id       the section id (the command number for COMMAND)
 * @param name     the section's idstr ("ram", "0000:00:01.0/vfio", "timer"); for COMMAND its name
 * @param instance instance id (START and FULL; the started one's for PART and END)
 * @param version  version id, likewise
 * @param offset   where the section byte lies
 * @param size     bytes from the section byte through its footer
 * @param pages    RAM: pages carried whole
 * @param zeroPages RAM: pages sent as zero
 * @param dataBytes VFIO: DATA_STATE payload bytes; RAM: bytes of page data
 * @param records  VFIO: its records, in order (at most {@link StreamLimits#RECORDS_PER_SECTION})
 * @param recordsNotListed VFIO: records beyond those, counted (their DATA_STATE bytes are in dataBytes)
 * @param how      how its end was found: "decoded" (RAM, VFIO), "vmdesc" (walked by QEMU's description),
 *                 "footer" (by its footer, contents not read)
 */
public record Section(SectionType type, long id, String name, long instance, long version, long offset, long size,
        long pages, long zeroPages, long dataBytes, List<VfioRecord> records, long recordsNotListed,
        String how) {

    public boolean isVfio() {
        return name.endsWith("/vfio");
    }

    public boolean isRam() {
        return name.equals("ram");
    }
}

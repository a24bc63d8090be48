package dev.migscope.stream;

import java.util.Optional;

/**
 * One record of a VFIO device's section (hw/vfio/migration.c): a be64 marker, and for
 * DATA_STATE a be64 size and that many bytes read from the device's data_fd.
 *
 * @param offset where the marker starts in the stream
 * @param size   DATA_STATE: the payload bytes; CONFIG_STATE: the config-space bytes after it; else 0
 */
public record VfioRecord(Marker marker, long offset, long size) {

    /** VFIO_MIG_FLAG_* of QEMU 10's hw/vfio/migration.c, 0xffffffffef10000N. */
    public enum Marker {
        END_OF_STATE(1), CONFIG_STATE(2), SETUP_STATE(3), DATA_STATE(4), INIT_DATA_SENT(5), CONFIG_LOAD_READY(6);

        static final long BASE = 0xffffffffef100000L;

        final long value;

        Marker(int n) {
            this.value = BASE + n;
        }

        static Optional<Marker> of(long value) {
            for (Marker m : values()) {
                if (m.value == value) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    /** "DATA_STATE(24)", "CONFIG_STATE(4,116)", "END_OF_STATE". */
    public String text() {
        return marker == Marker.DATA_STATE || marker == Marker.CONFIG_STATE
                ? marker + "(" + String.format("%,d", size) + ")" : marker.name();
    }
}

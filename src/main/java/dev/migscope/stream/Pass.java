package dev.migscope.stream;

/**
 * What one device sent in one pass.
 *
 * <p>RAM: a pass is one walk over guest memory (QEMU syncs the dirty bitmap, then sends the dirty
 * pages in address order); the stream has no marker for it, so a pass begins where the page
 * addresses start again from the first RAM block. VFIO: a pass is one PART section, one
 * {@code vfio_save_iterate} call. The END section is the stop-copy, SETUP the START section.
 *
 * @param number   1, 2, ... within its phase
 * @param bytes    RAM: page bytes; VFIO: DATA_STATE payload bytes
 * @param count    RAM: pages sent whole; VFIO: DATA_STATE blocks
 * @param zeroPages RAM: zero pages (one byte each in the stream); VFIO: 0
 * @param offset   where the pass's first section starts
 */
public record Pass(int number, Phase phase, long bytes, long count, long zeroPages, long offset) {

    /** Where in the migration the bytes were sent. */
    public enum Phase {
        SETUP, PRECOPY, STOP_COPY;

        public String label() {
            return switch (this) {
                case SETUP -> "setup";
                case PRECOPY -> "precopy";
                case STOP_COPY -> "stop-copy";
            };
        }
    }
}

package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import java.nio.ByteBuffer;

/**
 * VFIO_MIG_GET_PRECOPY_INFO after every read of a PRE_COPY stream, with {@code flagsIn} in the
 * struct's flags on the way in: what the PRE_COPY checks judge. initial_bytes may grow only in an
 * answer that says REINIT; the first growth without it, the REINITs and the first answer with
 * flags other than REINIT are kept as evidence.
 */
final class PrecopyWatch implements CheckContext.ChunkSink {

    private final MigrationStream stream;
    private final int flagsIn;
    /** Bytes read before PRE_COPY counts as not converging; checked after each read, so each asks a whole chunk. */
    private final long limit;
    private long read;
    long lastInitial;
    /** The first growth of initial_bytes without REINIT; null when none. */
    String grew;
    /** The first answer that said REINIT; null when none. */
    String firstReinit;
    int reinits;
    /** The first answer with flags other than REINIT; null when none. */
    String otherFlags;
    VfioException error;
    int reads;
    /** How the read loop ended; set by {@link #run}. */
    CheckContext.Drain drain;

    PrecopyWatch(MigrationStream stream, PrecopyInfo first, int flagsIn, long limit) {
        this.stream = stream;
        this.flagsIn = flagsIn;
        this.limit = limit;
        this.lastInitial = first.initialBytes();
        see(first);
    }

    /** Reads the stream to its temporary end (or the limit), asking PRECOPY_INFO after every read. */
    static PrecopyWatch run(CheckContext c, MigrationStream s, PrecopyInfo first, int flagsIn, int chunk) {
        long limit = Math.min(c.options.maxStreamBytes(), 4 * (first.initialBytes() + first.dirtyBytes()) + (64L << 20));
        PrecopyWatch w = new PrecopyWatch(s, first, flagsIn, limit);
        w.drain = c.drain(s, Long.MAX_VALUE, chunk, w);
        return w;
    }

    @Override
    public boolean accept(ByteBuffer chunk) {
        reads++;
        read += chunk.remaining();
        try {
            PrecopyInfo i = stream.precopyInfo(flagsIn);
            if (i.initialBytes() > lastInitial && !i.reinit() && grew == null) {
                grew = "initial_bytes grew from " + lastInitial + " to " + i.initialBytes() + " after " + read
                        + " bytes were read, without REINIT";
            }
            see(i);
            lastInitial = i.initialBytes();
            return read < limit;
        } catch (VfioException e) {
            error = e;
            return false;
        }
    }

    private void see(PrecopyInfo i) {
        if (i.reinit()) {
            reinits++;
            if (firstReinit == null) {
                firstReinit = "REINIT after " + read + " bytes (initial_bytes " + i.initialBytes() + ", dirty_bytes "
                        + i.dirtyBytes() + ")";
            }
        }
        if ((i.flags() & ~PrecopyInfo.REINIT) != 0 && otherFlags == null) {
            otherFlags = String.format("flags 0x%x came back after 0x%x went in, %d bytes into the stream",
                    i.flags(), flagsIn, read);
        }
    }
}

package dev.migscope.stream;

import dev.migscope.device.MigrationFile;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One VFIO device's data out of a QEMU stream, as a migscope stream file: the DATA_STATE payloads in
 * stream order, one PRE_COPY phase per precopy pass and the STOP_COPY drain apart, so
 * {@code migscope resume DEV FILE} feeds a device exactly the bytes QEMU's destination was fed.
 */
public final class StreamExtract {

    private StreamExtract() {
    }

    /** What was written. */
    public record Extracted(Path file, long bytes, int precopyPasses, long stopCopyBytes, String origin) {
    }

    /** Why a device's data cannot be extracted: one sentence. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        public RefusedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Writes {@code device}'s data from {@code stream} (the file {@code read} was read from) to
     * {@code out}, atomically: until it is complete nothing exists at {@code out}.
     *
     * @param driver the driver to record ("" when unknown: resume then leaves validation to the driver)
     */
    public static Extracted extract(Path stream, QemuStreamFile.Read read, VfioData device, Path out, String driver)
            throws IOException, RefusedException {
        StreamSummary s = read.summary();
        if (device.stopCopy().isEmpty()) {
            throw new RefusedException(s.failure().map(e -> "the stream stops at " + e.line() + ", before the "
                    + "stop-copy of " + device.name() + ": a part of a device's data would not resume")
                    .orElse("the stream has no stop-copy (END section) for " + device.name()));
        }
        if (device.blocksDropped() > 0) {
            throw new RefusedException(device.name() + " has more than " + StreamLimits.DATA_BLOCKS
                    + " DATA_STATE blocks; migscope keeps the offsets of that many");
        }
        List<List<DataBlock>> phases = phases(device.blocks());
        List<MigState> states = new ArrayList<>();
        for (int i = 0; i < phases.size() - 1; i++) {
            states.add(MigState.PRE_COPY);
        }
        states.add(MigState.STOP_COPY);
        String origin = origin(stream, s, device);
        MigrationFile.Source source = new MigrationFile.Source(driver, device.name(), "", "", new MigFeatures(0),
                origin);
        try (FileChannel in = FileChannel.open(stream, StandardOpenOption.READ);
                MigrationFile.Writer w = new MigrationFile.Writer(out, source, states,
                        MigrationFile.ChannelOpener.DEFAULT)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; i < phases.size(); i++) {
                w.beginPhase(states.get(i));
                for (DataBlock b : phases.get(i)) {
                    copy(in, b, buf, w);
                }
            }
            w.commit();
            return new Extracted(out, w.bytesWritten(), phases.size() - 1, device.stopCopyBytes(), origin);
        }
    }

    /** The precopy passes that carried data, each one phase (beyond the format's bound merged into the last), then the stop-copy. */
    private static List<List<DataBlock>> phases(List<DataBlock> blocks) {
        List<List<DataBlock>> precopy = new ArrayList<>();
        List<DataBlock> stop = new ArrayList<>();
        int lastPass = -1;
        for (DataBlock b : blocks) {
            if (b.phase() == Pass.Phase.STOP_COPY) {
                stop.add(b);
                continue;
            }
            if (b.pass() != lastPass && precopy.size() < MigrationFile.MAX_PHASES - 1) {
                precopy.add(new ArrayList<>());
            }
            lastPass = b.pass();
            precopy.get(precopy.size() - 1).add(b);
        }
        precopy.add(stop);
        return precopy;
    }

    private static void copy(FileChannel in, DataBlock b, ByteBuffer buf, MigrationFile.Writer w) throws IOException {
        long pos = b.offset();
        long left = b.size();
        while (left > 0) {
            buf.clear().limit((int) Math.min(buf.capacity(), left));
            int n = in.read(buf, pos);
            if (n <= 0) {
                throw new IOException("the stream file shrank while it was read (at offset " + pos + ")");
            }
            buf.flip();
            w.write(buf);
            pos += n;
            left -= n;
        }
    }

    private static String origin(Path stream, StreamSummary s, VfioData d) {
        List<DataBlock> blocks = d.blocks();
        String where = blocks.isEmpty() ? "no DATA_STATE" : String.format(Locale.ROOT,
                "%d DATA_STATE blocks at offsets 0x%x to 0x%x", blocks.size(), blocks.get(0).offset(),
                blocks.get(blocks.size() - 1).offset());
        String name = stream.getFileName() == null ? stream.toString() : stream.getFileName().toString();
        String text = "QEMU migration stream " + name + " (machine " + (s.config() == null ? "?" : s.config().machine())
                + "), section " + d.sectionId() + " " + d.name() + ": " + where;
        return text.length() > 1024 ? text.substring(0, 1024) : text;
    }
}

package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.StreamIo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What every checker of one run shares: the device (and the peer), its features, the options,
 * the findings collected so far, the STOP_COPY stream saved for the resume checks, and the run's
 * one data_fd read loop and one write loop. Checkers add findings here in the order they make
 * them; the report keeps that order.
 */
final class CheckContext {

    static final String SET = "SET ";
    /** Why the checks that load a stream into a device were not made. */
    static final String NO_IMAGE = "leaving RESUMING needs a complete saved stream, and the STOP_COPY "
            + "stream did not end (see stop-copy.end)";

    final String deviceId;
    final DeviceUnderTest dev;
    /** The device to resume the saved stream into; null to resume into the device itself. */
    final DeviceUnderTest peer;
    final ConformanceOptions options;
    final List<CheckResult> results = new ArrayList<>();
    final List<NotApplicable> notApplicable = new ArrayList<>();
    final List<ArcLatency> latency = new ArrayList<>();

    /** GET MIGRATION; null until it succeeded. */
    private MigFeatures features;
    /** A complete STOP_COPY stream saved from the device; null when the save did not end. */
    private Path image;
    private long imageBytes;

    CheckContext(String deviceId, DeviceUnderTest dev, DeviceUnderTest peer, ConformanceOptions options) {
        this.deviceId = deviceId;
        this.dev = dev;
        this.peer = peer;
        this.options = options;
    }

    void add(String id, String group, String title, Rule rule, Status status, String evidence) {
        results.add(new CheckResult(id, group, title, rule, status, evidence));
    }

    void notApplicable(String id, String reason) {
        notApplicable.add(new NotApplicable(id, reason));
    }

    MigFeatures features() {
        return features;
    }

    /** Set once, by the device checks, when GET MIGRATION answered a valid feature set. */
    void setFeatures(MigFeatures f) {
        features = f;
    }

    /** The states this device can be in (ERROR aside), in ABI order. */
    List<MigState> states() {
        return Arrays.stream(MigState.values()).filter(features::supports).toList();
    }

    // ------------------------------------------------------------------ the data_fd loops

    /** What each read of {@link #drain} hands on; false stops the loop after this chunk. */
    @FunctionalInterface
    interface ChunkSink {
        boolean accept(ByteBuffer chunk);
    }

    /**
     * How a read loop ended: at read() == 0 ({@code ended}), at ENOMSG ({@code enomsg}, which
     * vfio.h forbids in STOP_COPY), at an error, or at the limit or the sink's stop (none of these).
     */
    record Drain(long bytes, boolean ended, boolean enomsg, VfioException error) {
        String describe() {
            if (error != null) {
                return "read(data_fd) failed after " + bytes + " bytes: " + DeviceUnderTest.errno(error);
            }
            if (enomsg) {
                return bytes + " bytes, then read() failed with ENOMSG";
            }
            return bytes + " bytes, " + (ended ? "then read() returned 0" : "no end within the limit");
        }
    }

    /**
     * The run's one read loop: reads at most {@code chunk} bytes at a time until read() returns 0
     * or fails with ENOMSG, a read fails, {@code limit} bytes were read, or {@code sink} says stop.
     */
    Drain drain(MigrationStream stream, long limit, int chunk, ChunkSink sink) {
        try {
            StreamIo.Transfer t = dev.io.drain(stream, limit, chunk, sink::accept);
            return new Drain(t.bytes(), t.end() == StreamIo.End.END, t.end() == StreamIo.End.ENOMSG, t.error());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the sinks here throw none
        }
    }

    /** Writes the first {@code length} bytes of the saved stream to {@code target}'s resuming data_fd. */
    void writeImage(DeviceUnderTest target, MigrationStream stream, long length) throws VfioException {
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
            StreamIo.Transfer t = target.io.write(stream, in, 0, length, chunk -> true);
            if (t.error() != null) {
                throw t.error();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ the saved stream

    boolean hasImage() {
        return image != null;
    }

    long imageBytes() {
        return imageBytes;
    }

    /** A new empty file for the STOP_COPY stream; {@link #keepImage} or {@link #deleteImage(Path)} it. */
    static Path newImageFile() {
        try {
            Path p = Files.createTempFile("migscope-conform-", ".stream");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The complete stream the resume checks load. */
    void keepImage(Path file, long bytes) {
        image = file;
        imageBytes = bytes;
    }

    void deleteImage() {
        if (image != null) {
            deleteImage(image);
            image = null;
        }
    }

    static void deleteImage(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            p.toFile().deleteOnExit();
        }
    }
}

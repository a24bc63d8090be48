package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.StreamIo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;

/**
 * The STOP_COPY stream and MIG_DATA_SIZE. vfio.h: "Once in STOP_COPY the migration data FD has a
 * permanent end of stream signaled in the usual way by read() always returning 0 [...] ENOMSG may
 * not be returned in STOP_COPY" ({@link Rule#STOP_COPY_END}, {@link Rule#STOP_COPY_NO_ENOMSG});
 * MIG_DATA_SIZE is "the estimated data length that will be required to complete stop copy"
 * ({@link Rule#MIG_DATA_SIZE}). The stream read here, when it ends, is kept for the resume checks.
 */
final class StopCopyChecker implements Checker {

    private static final String GROUP = "stop-copy";

    @Override
    public void check(CheckContext c) {
        DeviceUnderTest dev = c.dev;
        long estimateRunning;
        long estimate;
        StringBuilder sizes = new StringBuilder();
        try {
            estimateRunning = dev.session.migDataSize();
            sizes.append("RUNNING: ").append(estimateRunning).append(" bytes");
            DeviceUnderTest.close(dev.reach(MigState.STOP));
            estimate = dev.session.migDataSize();
            sizes.append("; STOP: ").append(estimate).append(" bytes");
            c.add("mig-data-size.readable", GROUP, "GET MIG_DATA_SIZE works in RUNNING and STOP", Rule.MIG_DATA_SIZE,
                    Status.PASS, sizes.toString());
        } catch (VfioException e) {
            c.add("mig-data-size.readable", GROUP, "GET MIG_DATA_SIZE works in RUNNING and STOP", Rule.MIG_DATA_SIZE,
                    Status.FAIL, (sizes.length() > 0 ? sizes + "; " : "") + "failed: " + e.error().describe());
            estimate = -1;
        }
        String eofTitle = "the STOP_COPY stream ends with read() == 0, and stays ended";
        Optional<MigrationStream> fd;
        try {
            DeviceUnderTest.close(dev.reach(MigState.STOP));
            fd = dev.session.setState(MigState.STOP_COPY);
        } catch (VfioException e) {
            c.add("stop-copy.end", GROUP, eofTitle, Rule.STOP_COPY_END, Status.FAIL,
                    "SET STOP_COPY from STOP failed: " + e.error().describe());
            notRead(c);
            return;
        }
        if (fd.isEmpty()) {
            c.add("stop-copy.end", GROUP, eofTitle, Rule.STOP_COPY_END, Status.FAIL,
                    "SET STOP_COPY from STOP returned no data_fd: there is no stream to read");
            notRead(c);
            return;
        }
        CheckContext.Drain d;
        Path file = CheckContext.newImageFile();
        try (MigrationStream stream = fd.get();
                FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            CheckContext.Drain first = c.drain(stream, c.options.maxStreamBytes(), StreamIo.CHUNK,
                    chunk -> copy(chunk, out));
            String ev = "SET STOP_COPY from STOP returned data_fd " + stream.fd() + "; read " + first.describe();
            VfioException error = first.error();
            int second = 0;
            if (first.ended() || first.enomsg()) {
                try {
                    second = stream.read(ByteBuffer.allocate(4096));
                    ev += "; a second read() " + (second == 0 ? "returned 0" + (first.ended() ? " too" : "")
                            : second == MigrationStream.ENOMSG ? "failed with ENOMSG"
                                    : "returned " + second + " bytes");
                } catch (VfioException e) {
                    ev += "; a second read() failed: " + DeviceUnderTest.errno(e);
                    error = e;
                }
            } else if (error == null) {
                ev += " (limit " + c.options.maxStreamBytes() + " bytes)";
            }
            boolean enomsg = first.enomsg() || second == MigrationStream.ENOMSG;
            boolean stayedEnded = (first.ended() || first.enomsg()) && error == null && second <= 0;
            d = new CheckContext.Drain(first.bytes(), stayedEnded, enomsg, error);
            // One defect, one failure: an end signalled with ENOMSG is stop-copy.no-enomsg's to judge.
            if (stayedEnded && enomsg) {
                c.notApplicable("stop-copy.end", "the end came as ENOMSG, not read() == 0: see stop-copy.no-enomsg");
            } else {
                c.add("stop-copy.end", GROUP, eofTitle, Rule.STOP_COPY_END, stayedEnded ? Status.PASS : Status.FAIL,
                        ev);
            }
            noEnomsg(c, ev, enomsg, stayedEnded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (d.ended()) {
            c.keepImage(file, d.bytes());
        } else {
            CheckContext.deleteImage(file);
        }
        estimate(c, estimate, d);
    }

    private static boolean copy(ByteBuffer chunk, FileChannel out) {
        try {
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void notRead(CheckContext c) {
        c.notApplicable("stop-copy.no-enomsg", "no STOP_COPY stream was read");
        c.notApplicable("mig-data-size.estimate", "no STOP_COPY stream was read");
    }

    /** vfio.h: "ENOMSG may not be returned in STOP_COPY", judged on the reads of the STOP_COPY stream. */
    private static void noEnomsg(CheckContext c, String evidence, boolean enomsg, boolean ended) {
        String id = "stop-copy.no-enomsg";
        String title = "read() never fails with ENOMSG in STOP_COPY: its end is read() == 0";
        if (enomsg) {
            c.add(id, GROUP, title, Rule.STOP_COPY_NO_ENOMSG, Status.FAIL, evidence
                    + ": ENOMSG is PRE_COPY's temporary end; in STOP_COPY it tells userspace more data may come");
        } else if (ended) {
            c.add(id, GROUP, title, Rule.STOP_COPY_NO_ENOMSG, Status.PASS, evidence);
        } else {
            c.notApplicable(id, "the STOP_COPY stream did not end (see stop-copy.end), so its end was never read");
        }
    }

    /** MIG_DATA_SIZE taken in STOP is the size STOP_COPY will stream: the downtime QEMU plans from it. */
    private static void estimate(CheckContext c, long estimate, CheckContext.Drain d) {
        String title = "MIG_DATA_SIZE (taken in STOP) against the bytes STOP_COPY streamed";
        if (estimate < 0 || !d.ended()) {
            c.notApplicable("mig-data-size.estimate",
                    estimate < 0 ? "MIG_DATA_SIZE could not be read" : "the STOP_COPY stream did not end");
            return;
        }
        long actual = d.bytes();
        String evidence = "estimate " + estimate + " bytes, streamed " + actual + " bytes ("
                + (actual == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100.0 * estimate / actual)) + ")";
        Status s;
        if (estimate >= actual) {
            s = Status.PASS;
        } else if (estimate * 2 >= actual) {
            s = Status.WARN;
            evidence += ": the estimate is below the real size, so downtime planned from it is too short";
        } else {
            s = Status.FAIL;
            evidence += ": the estimate is less than half the real size; downtime planned from it is badly wrong";
        }
        c.add("mig-data-size.estimate", GROUP, title, Rule.MIG_DATA_SIZE, s, evidence);
    }
}

package dev.migscope.conform;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigState;
import java.util.List;
import java.util.Optional;

/**
 * PRE_COPY and VFIO_MIG_GET_PRECOPY_INFO. vfio.h: the ioctl "is valid only in PRE_COPY states and
 * kernel driver should return -EINVAL from any other migration state" ({@link
 * Rule#PRECOPY_INFO_STATES}); initial_bytes "should have a non-zero initial value and decrease as
 * migration data is read from the device" ({@link Rule#INITIAL_BYTES}); "During pre-copy the
 * migration data FD has a temporary \"end of stream\" [...] the kernel driver should return ENOMSG
 * from read()" ({@link Rule#PRECOPY_TEMPORARY_END}).
 */
final class PrecopyChecker implements Checker {

    private static final String GROUP = "precopy";
    private static final String INFO_TITLE = "VFIO_MIG_GET_PRECOPY_INFO works in ";
    /** Reads this small, each followed by PRECOPY_INFO, so a growing initial_bytes is seen as it grows. */
    static final int PRECOPY_CHUNK = 64 * 1024;

    @Override
    public void check(CheckContext c) {
        if (!c.features().has(MigFeature.PRE_COPY)) {
            for (String id : List.of("precopy-info.PRE_COPY", "precopy.initial-bytes", "precopy.temporary-end",
                    "precopy-info.STOP_COPY", "precopy-info.RUNNING")) {
                c.notApplicable(id, "the device has no PRE_COPY");
            }
            return;
        }
        DeviceUnderTest dev = c.dev;
        Optional<MigrationStream> fd = Optional.empty();
        try {
            fd = dev.reach(MigState.PRE_COPY);
            if (fd.isEmpty()) {
                c.add("precopy-info.PRE_COPY", GROUP, INFO_TITLE + "PRE_COPY", Rule.PRECOPY_INFO_STATES, Status.FAIL,
                        "SET PRE_COPY returned no data_fd to ask");
                return;
            }
            MigrationStream s = fd.get();
            PrecopyInfo first = info(c, s, "PRE_COPY");
            if (first == null) {
                return;
            }
            initialBytes(c, s, first);
            if (c.features().has(MigFeature.P2P)) {
                dev.session.setState(MigState.PRE_COPY_P2P);
                info(c, s, "PRE_COPY_P2P");
            } else {
                c.notApplicable("precopy-info.PRE_COPY_P2P", "the device has no P2P");
            }
            dev.session.setState(MigState.STOP_COPY);
            infoRefused(c, s, MigState.STOP_COPY);
        } catch (VfioException e) {
            c.add("precopy.setup", GROUP, "the PRE_COPY checks can walk RUNNING -> PRE_COPY(_P2P) -> STOP_COPY",
                    Rule.ARC_COMPLETES, Status.FAIL, e.error().describe() + "; GET: " + dev.getText());
        } finally {
            DeviceUnderTest.close(fd);
        }
        Optional<MigrationStream> stale = Optional.empty();
        try {
            stale = dev.reach(MigState.PRE_COPY);
            dev.session.setState(MigState.RUNNING);
            if (stale.isPresent()) {
                infoRefused(c, stale.get(), MigState.RUNNING);
            }
        } catch (VfioException e) {
            c.add("precopy-info.RUNNING", GROUP, "VFIO_MIG_GET_PRECOPY_INFO is refused with EINVAL in RUNNING",
                    Rule.PRECOPY_INFO_STATES, Status.FAIL, "could not walk RUNNING -> PRE_COPY -> RUNNING: "
                            + e.error().describe());
        } finally {
            DeviceUnderTest.close(stale);
        }
    }

    private static PrecopyInfo info(CheckContext c, MigrationStream s, String state) {
        try {
            PrecopyInfo i = s.precopyInfo();
            c.add("precopy-info." + state, GROUP, INFO_TITLE + state, Rule.PRECOPY_INFO_STATES, Status.PASS,
                    "initial_bytes " + i.initialBytes() + ", dirty_bytes " + i.dirtyBytes());
            return i;
        } catch (VfioException e) {
            c.add("precopy-info." + state, GROUP, INFO_TITLE + state, Rule.PRECOPY_INFO_STATES, Status.FAIL,
                    "on data_fd " + s.fd() + " in " + state + ": " + e.error().describe());
            return null;
        }
    }

    private static void infoRefused(CheckContext c, MigrationStream s, MigState state) {
        String id = "precopy-info." + state;
        String title = "VFIO_MIG_GET_PRECOPY_INFO is refused with EINVAL in " + state;
        try {
            PrecopyInfo i = s.precopyInfo();
            c.add(id, GROUP, title, Rule.PRECOPY_INFO_STATES, Status.FAIL, "on data_fd " + s.fd() + " in " + state
                    + " it answered initial_bytes " + i.initialBytes() + ", dirty_bytes " + i.dirtyBytes());
        } catch (VfioException e) {
            boolean einval = DeviceUnderTest.is(e, Errno.EINVAL);
            c.add(id, GROUP, title, Rule.PRECOPY_INFO_STATES, einval ? Status.PASS : Status.WARN,
                    "on data_fd " + s.fd() + " in " + state + ": " + DeviceUnderTest.errno(e)
                            + (einval ? "" : " (the uAPI asks for EINVAL)"));
        }
    }

    /** Reads the PRE_COPY stream to its temporary end, asking PRECOPY_INFO after every read. */
    private static void initialBytes(CheckContext c, MigrationStream s, PrecopyInfo first) {
        String title = "initial_bytes never grows while the PRE_COPY stream is read, unless PRECOPY_INFO says REINIT";
        String endTitle = "reading PRE_COPY reaches a temporary end (read() 0 or ENOMSG), and the fd stays usable";
        PrecopyWatch watch = PrecopyWatch.run(c, s, first, 0, PRECOPY_CHUNK);
        CheckContext.Drain d = watch.drain;
        boolean tempEnd = d.ended() || d.enomsg();
        // The read that found the end counts as a read, as those that brought bytes do.
        int reads = watch.reads + (tempEnd ? 1 : 0);
        VfioException error = d.error() != null ? d.error() : watch.error;
        String progress = reads + " reads, " + d.bytes() + " bytes; initial_bytes " + first.initialBytes() + " -> "
                + watch.lastInitial + (watch.reinits == 0 ? "" : "; " + watch.reinits + " REINIT");
        if (error != null) {
            c.add("precopy.initial-bytes", GROUP, title, Rule.INITIAL_BYTES, Status.FAIL,
                    progress + "; then " + error.error().describe());
            return;
        }
        c.add("precopy.initial-bytes", GROUP, title, Rule.INITIAL_BYTES,
                watch.grew == null ? Status.PASS : Status.FAIL,
                watch.grew == null ? progress : watch.grew + " (" + progress + ")");
        if (!tempEnd) {
            c.add("precopy.temporary-end", GROUP, endTitle, Rule.PRECOPY_TEMPORARY_END, Status.WARN,
                    "no temporary end within " + d.bytes() + " bytes: the device dirties its state faster than it "
                            + "was read, so PRE_COPY would not converge");
            return;
        }
        String endForm = d.ended() ? "read() returned 0 (as mtty does; vfio.h asks for ENOMSG, and userspace such as "
                + "QEMU takes either as no data now)" : "read() failed with ENOMSG (the form vfio.h asks for)";
        try {
            boolean readable = s.poll(0);
            c.add("precopy.temporary-end", GROUP, endTitle, Rule.PRECOPY_TEMPORARY_END, Status.PASS,
                    "temporary end after " + d.bytes() + " bytes: " + endForm + "; poll(0) then: "
                            + (readable ? "readable (new dirty data)" : "not readable"));
        } catch (VfioException e) {
            c.add("precopy.temporary-end", GROUP, endTitle, Rule.PRECOPY_TEMPORARY_END, Status.FAIL,
                    "temporary end after " + d.bytes() + " bytes: " + endForm + "; then poll failed: "
                            + e.error().describe());
        }
    }
}

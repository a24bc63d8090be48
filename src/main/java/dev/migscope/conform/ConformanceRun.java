package dev.migscope.conform;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.SimulationControls;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.ArcEffect;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.fsm.Refusal;
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
import java.util.Optional;

/**
 * Checks one device's migration support against every rule of the v2 uAPI (issue 8): features,
 * every direct arc and its data_fd, every multi-step pair, every refusal, PRECOPY_INFO, the
 * STOP_COPY stream and MIG_DATA_SIZE, resume (into a peer with {@code --peer}), reset, DMA
 * logging, and the SET latency of each arc. Calls go straight through the device SPI on the
 * caller's thread. Whatever happens, the run ends by bringing the device (and the peer) back to
 * RUNNING, and says whether it could.
 */
public final class ConformanceRun {

    private static final String SET = "SET ";
    /** A PRE_COPY read loop asks PRECOPY_INFO after each read of this size. */
    private static final int PRECOPY_CHUNK = 64 * 1024;
    /** The page size the DMA logging checks use; every kernel accepts 4 KiB. */
    private static final long LOG_PAGE = 4096;
    /**
     * LOG_MAX_RANGES is PAGE_SIZE / 16 (ranges of 16 bytes in one kernel page): 256 with 4 KiB pages,
     * 4096 with 64 KiB pages. One more than the larger is too many on every kernel.
     */
    private static final int TOO_MANY_RANGES = 65536 / 16 + 1;
    /** Why the checks that load a stream into a device were not made. */
    private static final String NO_IMAGE = "leaving RESUMING needs a complete saved stream, and the STOP_COPY "
            + "stream did not end (see stop-copy.end)";

    private final DeviceRegistry registry;
    private final String deviceId;
    private final String peerId;
    private final ConformanceOptions options;

    private final List<CheckResult> results = new ArrayList<>();
    private final List<NotApplicable> notApplicable = new ArrayList<>();
    private final List<ArcLatency> latency = new ArrayList<>();
    private Probe dev;
    private MigFeatures features;
    /** A complete STOP_COPY stream saved from the device; null when the save did not end. */
    private Path image;
    private long imageBytes;

    /**
     * @param peerId the device to resume the saved stream into, or null to resume into the device itself
     */
    public ConformanceRun(DeviceRegistry registry, String deviceId, String peerId, ConformanceOptions options) {
        this.registry = registry;
        this.deviceId = deviceId;
        this.peerId = peerId;
        this.options = options;
    }

    /**
     * Runs every check.
     *
     * @throws VfioException when the device (or the peer) cannot be opened: nothing was checked
     */
    public ConformanceReport run() throws VfioException {
        List<ConformanceReport.Restore> restores = new ArrayList<>();
        String driver;
        try (DeviceSession session = registry.open(deviceId)) {
            driver = session.info().driver();
            dev = new Probe(session);
            DeviceSession peerSession = null;
            try {
                if (peerId != null) {
                    peerSession = registry.open(peerId);
                }
                Probe peer = peerSession == null ? null : new Probe(peerSession);
                checkAll(peer);
            } finally {
                // A device without migration support has no state to restore; a reset would only disturb it.
                restores.add(features == null ? new ConformanceReport.Restore(deviceId, false, null,
                        "not touched: GET MIGRATION failed, the device has no migration state") : restore(dev));
                if (peerSession != null) {
                    restores.add(restore(new Probe(peerSession)));
                    peerSession.close();
                }
                deleteImage();
            }
        }
        return new ConformanceReport(deviceId, driver, features, peerId, options.repeats(), results, notApplicable,
                latency, restores);
    }

    private void checkAll(Probe peer) {
        // GET MIGRATION changes nothing, so the state is still the one open left.
        if (!migrationFeatures()) {
            return;
        }
        stateAfterOpen();
        try {
            dev.normalize();
        } catch (VfioException e) {
            add("device.to-running", "device", "the device can be brought to RUNNING to start", Rule.RESET_RUNNING,
                    Status.FAIL, e.error().describe());
            return;
        }
        stopCopyStream();
        arcs();
        paths();
        refusals();
        precopy();
        resume(peer);
        resets();
        error();
        dmaLogging();
    }

    private static ConformanceReport.Restore restore(Probe p) {
        String how;
        try {
            how = p.normalize();
        } catch (VfioException e) {
            how = e.error().message();
        } catch (RuntimeException e) {
            how = "restoring failed: " + e;
        }
        try {
            MigState s = p.get();
            return new ConformanceReport.Restore(p.id, s == MigState.RUNNING, s, how);
        } catch (VfioException e) {
            return new ConformanceReport.Restore(p.id, false, null, how + "; GET failed: " + Probe.errno(e));
        }
    }

    private void add(String id, String group, String title, Rule rule, Status status, String evidence) {
        results.add(new CheckResult(id, group, title, rule, status, evidence));
    }

    // ------------------------------------------------------------------ device

    private void stateAfterOpen() {
        String title = "GET MIG_DEVICE_STATE right after open is RUNNING";
        try {
            MigState s = dev.get();
            add("device.state-after-open", "device", title, Rule.DEFAULT_RUNNING,
                    s == MigState.RUNNING ? Status.PASS : Status.WARN,
                    s == MigState.RUNNING ? "GET: RUNNING"
                            : "GET: " + s + " (a previous user left it there: this driver keeps the state across "
                                    + "close and open; the run resets it)");
        } catch (VfioException e) {
            add("device.state-after-open", "device", title, Rule.DEFAULT_RUNNING, Status.FAIL,
                    "GET MIG_DEVICE_STATE failed: " + Probe.errno(e));
        }
    }

    private boolean migrationFeatures() {
        String title = "GET MIGRATION works and reports STOP_COPY, the mandatory feature";
        try {
            features = dev.session.migrationFeatures();
        } catch (VfioException e) {
            add("device.migration-features", "device", title, Rule.MIGRATION_FEATURE, Status.FAIL,
                    "GET MIGRATION failed: " + Probe.errno(e)
                            + (Probe.is(e, Errno.ENOTTY) ? " (the device has no migration support)" : ""));
            return false;
        }
        String flags = "flags 0x" + Integer.toHexString(features.flags()) + " (" + features + ")";
        if (!features.isValid()) {
            add("device.migration-features", "device", title, Rule.MIGRATION_FEATURE, Status.FAIL,
                    flags + ": VFIO_MIGRATION_STOP_COPY is missing");
            return false;
        }
        add("device.migration-features", "device", title, Rule.MIGRATION_FEATURE, Status.PASS, flags);
        return true;
    }

    /** The states this device can be in (ERROR aside), in ABI order. */
    private List<MigState> states() {
        return Arrays.stream(MigState.values()).filter(features::supports).toList();
    }

    // ------------------------------------------------------------------ STOP_COPY stream, MIG_DATA_SIZE

    private void stopCopyStream() {
        String group = "stop-copy";
        long estimateRunning;
        long estimate;
        StringBuilder sizes = new StringBuilder();
        try {
            estimateRunning = dev.session.migDataSize();
            sizes.append("RUNNING: ").append(estimateRunning).append(" bytes");
            Probe.close(dev.reach(MigState.STOP));
            estimate = dev.session.migDataSize();
            sizes.append("; STOP: ").append(estimate).append(" bytes");
            add("mig-data-size.readable", group, "GET MIG_DATA_SIZE works in RUNNING and STOP", Rule.MIG_DATA_SIZE,
                    Status.PASS, sizes.toString());
        } catch (VfioException e) {
            add("mig-data-size.readable", group, "GET MIG_DATA_SIZE works in RUNNING and STOP", Rule.MIG_DATA_SIZE,
                    Status.FAIL, (sizes.length() > 0 ? sizes + "; " : "") + "failed: " + e.error().describe());
            estimate = -1;
        }
        String eofTitle = "the STOP_COPY stream ends with read() == 0, and stays ended";
        Optional<MigrationStream> fd;
        try {
            Probe.close(dev.reach(MigState.STOP));
            fd = dev.session.setState(MigState.STOP_COPY);
        } catch (VfioException e) {
            add("stop-copy.end", group, eofTitle, Rule.STOP_COPY_END, Status.FAIL,
                    "SET STOP_COPY from STOP failed: " + e.error().describe());
            notApplicable.add(new NotApplicable("stop-copy.no-enomsg", "no STOP_COPY stream was read"));
            notApplicable.add(new NotApplicable("mig-data-size.estimate", "no STOP_COPY stream was read"));
            return;
        }
        if (fd.isEmpty()) {
            add("stop-copy.end", group, eofTitle, Rule.STOP_COPY_END, Status.FAIL,
                    "SET STOP_COPY from STOP returned no data_fd: there is no stream to read");
            notApplicable.add(new NotApplicable("stop-copy.no-enomsg", "no STOP_COPY stream was read"));
            notApplicable.add(new NotApplicable("mig-data-size.estimate", "no STOP_COPY stream was read"));
            return;
        }
        Probe.Drain d;
        Path file = newImageFile();
        try (MigrationStream stream = fd.get();
                FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            Probe.Drain first = dev.drain(stream, options.maxStreamBytes(), out);
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
                    ev += "; a second read() failed: " + Probe.errno(e);
                    error = e;
                }
            } else if (error == null) {
                ev += " (limit " + options.maxStreamBytes() + " bytes)";
            }
            boolean enomsg = first.enomsg() || second == MigrationStream.ENOMSG;
            boolean stayedEnded = (first.ended() || first.enomsg()) && error == null && second <= 0;
            d = new Probe.Drain(first.bytes(), stayedEnded, enomsg, error);
            // One defect, one failure: an end signalled with ENOMSG is stop-copy.no-enomsg's to judge.
            if (stayedEnded && enomsg) {
                notApplicable.add(new NotApplicable("stop-copy.end", "the end came as ENOMSG, not read() == 0: "
                        + "see stop-copy.no-enomsg"));
            } else {
                add("stop-copy.end", group, eofTitle, Rule.STOP_COPY_END, stayedEnded ? Status.PASS : Status.FAIL, ev);
            }
            noEnomsg(ev, enomsg, stayedEnded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (d.ended()) {
            image = file;
            imageBytes = d.bytes();
        } else {
            deleteImage(file);
        }
        estimate(estimate, d);
    }

    /** vfio.h: "ENOMSG may not be returned in STOP_COPY", judged on the reads of the STOP_COPY stream. */
    private void noEnomsg(String evidence, boolean enomsg, boolean ended) {
        String id = "stop-copy.no-enomsg";
        String title = "read() never fails with ENOMSG in STOP_COPY: its end is read() == 0";
        if (enomsg) {
            add(id, "stop-copy", title, Rule.STOP_COPY_NO_ENOMSG, Status.FAIL, evidence
                    + ": ENOMSG is PRE_COPY's temporary end; in STOP_COPY it tells userspace more data may come");
        } else if (ended) {
            add(id, "stop-copy", title, Rule.STOP_COPY_NO_ENOMSG, Status.PASS, evidence);
        } else {
            notApplicable.add(new NotApplicable(id, "the STOP_COPY stream did not end (see stop-copy.end), so its "
                    + "end was never read"));
        }
    }

    private void estimate(long estimate, Probe.Drain d) {
        String title = "MIG_DATA_SIZE (taken in STOP) against the bytes STOP_COPY streamed";
        if (estimate < 0 || !d.ended()) {
            notApplicable.add(new NotApplicable("mig-data-size.estimate",
                    estimate < 0 ? "MIG_DATA_SIZE could not be read" : "the STOP_COPY stream did not end"));
            return;
        }
        long actual = d.bytes();
        String evidence = "estimate " + estimate + " bytes, streamed " + actual + " bytes ("
                + (actual == 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * estimate / actual))
                + ")";
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
        add("mig-data-size.estimate", "stop-copy", title, Rule.MIG_DATA_SIZE, s, evidence);
    }

    private Path newImageFile() {
        try {
            Path p = Files.createTempFile("migscope-conform-", ".stream");
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void deleteImage() {
        if (image != null) {
            deleteImage(image);
            image = null;
        }
    }

    private static void deleteImage(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            p.toFile().deleteOnExit();
        }
    }

    /** Writes the whole saved stream to a resuming data_fd. */
    private void writeImage(Probe p, MigrationStream stream, long length) throws VfioException {
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ)) {
            p.write(stream, in, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ direct arcs

    private void arcs() {
        for (Arc arc : MigrationFsm.directArcs(features)) {
            arc(arc);
        }
    }

    private void arc(Arc arc) {
        String pair = arc.from() + "-" + arc.to();
        String arcId = "arc." + pair;
        String arcTitle = SET + arc.to() + " from " + arc.from() + " is one arc; a GET returns " + arc.to();
        ArcEffect effect = arc.effect();
        String fdTitle = effect.opensDataFd() ? SET + arc.to() + " from " + arc.from() + " returns a new data_fd"
                : SET + arc.to() + " from " + arc.from() + " returns no data_fd";
        Rule fdRule = effect == ArcEffect.CONTINUES_FD ? Rule.SAVING_GROUP_FD : Rule.DATA_FD_ARCS;
        if (arc.from() == MigState.RESUMING && image == null) {
            notApplicable.add(new NotApplicable(arcId, NO_IMAGE));
            notApplicable.add(new NotApplicable("data-fd." + pair, NO_IMAGE));
            return;
        }
        long[] samples = new long[options.repeats()];
        int n = 0;
        String arcEvidence = null;
        Status arcStatus = Status.PASS;
        String fdEvidence = null;
        Status fdStatus = Status.PASS;
        CheckResult continued = null;
        for (int i = 0; i < options.repeats(); i++) {
            Optional<MigrationStream> before = Optional.empty();
            Optional<MigrationStream> after = Optional.empty();
            try {
                before = dev.reach(arc.from());
                if (arc.from() == MigState.RESUMING) {
                    writeImage(dev, before.orElseThrow(), imageBytes);
                }
                long t0 = System.nanoTime();
                try {
                    after = dev.session.setState(arc.to());
                } catch (VfioException e) {
                    arcStatus = Status.FAIL;
                    arcEvidence = SET + arc.to() + " from " + arc.from() + " failed: " + e.error().describe()
                            + "; GET: " + dev.getText() + repeat(i);
                    break;
                }
                long t1 = System.nanoTime();
                MigState got = dev.get();
                if (got != arc.to()) {
                    arcStatus = Status.FAIL;
                    arcEvidence = SET + arc.to() + " from " + arc.from() + " succeeded, but GET returns " + got
                            + repeat(i);
                    break;
                }
                samples[n++] = t1 - t0;
                if (after.isPresent() != effect.opensDataFd()) {
                    fdStatus = Status.FAIL;
                    fdEvidence = after.isPresent()
                            ? "a data_fd (" + after.get().fd() + ") came back on an arc that "
                                    + (effect == ArcEffect.CONTINUES_FD ? "continues the session's fd" : "starts no session")
                            : "no data_fd came back on an arc that starts a " + (effect == ArcEffect.OPENS_RESUME_FD
                                    ? "resuming" : "saving") + " session";
                    fdEvidence += repeat(i);
                }
                if (i == 0) {
                    arcEvidence = SET + arc.to() + " from " + arc.from() + ": ok"
                            + after.map(f -> ", data_fd " + f.fd()).orElse(", no data_fd") + "; GET: " + got;
                    if (fdStatus == Status.PASS) {
                        fdEvidence = after.map(f -> "data_fd " + f.fd()).orElse("no data_fd");
                    }
                    if (effect == ArcEffect.CONTINUES_FD && arc.to() == MigState.STOP_COPY && before.isPresent()) {
                        continued = continues(arc, before.get(), after.isPresent());
                    }
                }
                if (fdStatus == Status.FAIL) {
                    break;
                }
            } catch (VfioException e) {
                arcStatus = Status.FAIL;
                arcEvidence = "could not put the device in " + arc.from() + ": " + e.error().describe() + repeat(i);
                break;
            } finally {
                Probe.close(after);
                Probe.close(before);
            }
        }
        if (arcStatus == Status.PASS && n > 1) {
            arcEvidence += "; " + n + " repeats";
        }
        add(arcId, "arcs", arcTitle, Rule.ARC_COMPLETES, arcStatus, arcEvidence);
        if (fdEvidence == null) {
            notApplicable.add(new NotApplicable("data-fd." + pair, "the SET of the arc was not made (see " + arcId + ")"));
        } else {
            add("data-fd." + pair, "arcs", fdTitle, fdRule, fdStatus, fdEvidence);
        }
        if (continued != null) {
            results.add(continued);
        }
        if (n > 0) {
            long[] s = Arrays.copyOf(samples, n);
            Arrays.sort(s);
            latency.add(new ArcLatency(arc, n, s[(n - 1) / 2], s[(int) Math.ceil(0.99 * n) - 1]));
        }
    }

    private static String repeat(int i) {
        return i == 0 ? "" : " (repeat " + (i + 1) + ")";
    }

    /** The saving session's fd goes on into STOP_COPY: it still reads, and the rest of the state comes on it. */
    private CheckResult continues(Arc arc, MigrationStream fd, boolean newFd) {
        String id = "saving-group.continues." + arc.from() + "-" + arc.to();
        String title = "after " + arc + " the data_fd of " + arc.from() + " streams the rest";
        Probe.Drain d = dev.drain(fd, options.maxStreamBytes(), null);
        Status s = d.error() == null && d.bytes() > 0 ? Status.PASS : Status.FAIL;
        String ev = "data_fd " + fd.fd() + " read in STOP_COPY: " + d.describe()
                + (newFd ? "; the SET also returned a new data_fd" : "; the SET returned no new data_fd");
        if (d.error() == null && d.bytes() == 0) {
            ev += ": no STOP_COPY data came on the session's fd";
        }
        return new CheckResult(id, "arcs", title, Rule.SAVING_GROUP_FD, s, ev);
    }

    // ------------------------------------------------------------------ multi-step pairs

    private void paths() {
        for (MigState from : states()) {
            for (MigState to : states()) {
                MigPath p = MigrationFsm.path(features, from, to);
                if (!p.isRefused() && p.arcs().size() > 1) {
                    path(p);
                }
            }
        }
    }

    private void path(MigPath p) {
        String id = "path." + p.from() + "-" + p.to();
        String title = SET + p.to() + " from " + p.from() + " reaches " + p.to() + " (kernel walks " + p.format() + ")";
        if (p.from() == MigState.RESUMING && image == null) {
            notApplicable.add(new NotApplicable(id, NO_IMAGE));
            return;
        }
        Optional<MigrationStream> before = Optional.empty();
        Optional<MigrationStream> after = Optional.empty();
        try {
            before = dev.reach(p.from());
            if (p.from() == MigState.RESUMING) {
                writeImage(dev, before.orElseThrow(), imageBytes);
            }
            try {
                after = dev.session.setState(p.to());
            } catch (VfioException e) {
                add(id, "paths", title, Rule.COMBINATION, Status.FAIL,
                        SET + p.to() + " from " + p.from() + " failed: " + e.error().describe() + "; GET: "
                                + dev.getText());
                return;
            }
            MigState got = dev.get();
            add(id, "paths", title, Rule.COMBINATION, got == p.to() ? Status.PASS : Status.FAIL,
                    SET + p.to() + " from " + p.from() + ": ok" + after.map(f -> ", data_fd " + f.fd()).orElse("")
                            + "; GET: " + got);
        } catch (VfioException e) {
            add(id, "paths", title, Rule.COMBINATION, Status.FAIL,
                    "could not put the device in " + p.from() + ": " + e.error().describe());
        } finally {
            Probe.close(after);
            Probe.close(before);
        }
    }

    // ------------------------------------------------------------------ refusals

    private void refusals() {
        for (MigState from : states()) {
            for (MigState to : MigState.values()) {
                MigPath p = MigrationFsm.path(features, from, to);
                if (p.isRefused()) {
                    refusal(p);
                }
            }
        }
    }

    private void refusal(MigPath p) {
        String id = "refusal." + p.from() + "-" + p.to();
        Refusal why = p.refusal();
        Rule rule = switch (why) {
            case TARGET_IS_ERROR, FROM_ERROR -> Rule.ERROR_NOT_A_TARGET;
            case STOP_COPY_TO_PRE_COPY -> Rule.STOP_COPY_TO_PRE_COPY;
            default -> Rule.OPTIONAL_STATES;
        };
        String title = SET + p.to() + " from " + p.from() + " is refused with EINVAL ("
                + (why == Refusal.TARGET_NEEDS_FEATURE ? "the device lacks " + featureNames(p.to()) : why.reason())
                + ")";
        Optional<MigrationStream> before = Optional.empty();
        Optional<MigrationStream> after = Optional.empty();
        try {
            before = dev.reach(p.from());
            try {
                after = dev.session.setState(p.to());
            } catch (VfioException e) {
                String got = dev.getText();
                String ev = SET + p.to() + " from " + p.from() + ": " + Probe.errno(e) + "; GET: " + got;
                if (!Probe.is(e, Errno.EINVAL)) {
                    add(id, "refusals", title, rule, Status.FAIL, ev + ": refused, but not with EINVAL");
                } else if (got.equals(p.from().name())) {
                    add(id, "refusals", title, rule, Status.PASS, ev);
                } else if (got.startsWith("GET failed")) {
                    add(id, "refusals", title, Rule.FAILED_SET_STATE, Status.FAIL, ev);
                } else {
                    add(id, "refusals", title, Rule.FAILED_SET_STATE, Status.WARN,
                            ev + ": the refused SET moved the device");
                }
                return;
            }
            add(id, "refusals", title, rule, Status.FAIL, SET + p.to() + " from " + p.from() + " was accepted"
                    + after.map(f -> " with data_fd " + f.fd()).orElse("") + "; GET: " + dev.getText());
        } catch (VfioException e) {
            add(id, "refusals", title, rule, Status.FAIL,
                    "could not put the device in " + p.from() + ": " + e.error().describe());
        } finally {
            Probe.close(after);
            Probe.close(before);
        }
    }

    private String featureNames(MigState s) {
        return String.join("+", features.missingFor(s).stream().map(f -> f.name()).toList());
    }

    // ------------------------------------------------------------------ PRE_COPY

    private void precopy() {
        if (!features.has(MigFeature.PRE_COPY)) {
            for (String id : List.of("precopy-info.PRE_COPY", "precopy.initial-bytes", "precopy.temporary-end",
                    "precopy-info.STOP_COPY", "precopy-info.RUNNING")) {
                notApplicable.add(new NotApplicable(id, "the device has no PRE_COPY"));
            }
            return;
        }
        String infoTitle = "VFIO_MIG_GET_PRECOPY_INFO works in ";
        Optional<MigrationStream> fd = Optional.empty();
        try {
            fd = dev.reach(MigState.PRE_COPY);
            if (fd.isEmpty()) {
                add("precopy-info.PRE_COPY", "precopy", infoTitle + "PRE_COPY", Rule.PRECOPY_INFO_STATES, Status.FAIL,
                        "SET PRE_COPY returned no data_fd to ask");
                return;
            }
            MigrationStream s = fd.get();
            PrecopyInfo first = info(s, "PRE_COPY", infoTitle + "PRE_COPY");
            if (first == null) {
                return;
            }
            initialBytes(s, first);
            if (features.has(MigFeature.P2P)) {
                dev.session.setState(MigState.PRE_COPY_P2P);
                info(s, "PRE_COPY_P2P", infoTitle + "PRE_COPY_P2P");
            } else {
                notApplicable.add(new NotApplicable("precopy-info.PRE_COPY_P2P", "the device has no P2P"));
            }
            dev.session.setState(MigState.STOP_COPY);
            infoRefused(s, MigState.STOP_COPY);
        } catch (VfioException e) {
            add("precopy.setup", "precopy", "the PRE_COPY checks can walk RUNNING -> PRE_COPY(_P2P) -> STOP_COPY",
                    Rule.ARC_COMPLETES, Status.FAIL, e.error().describe() + "; GET: " + dev.getText());
        } finally {
            Probe.close(fd);
        }
        Optional<MigrationStream> stale = Optional.empty();
        try {
            stale = dev.reach(MigState.PRE_COPY);
            dev.session.setState(MigState.RUNNING);
            if (stale.isPresent()) {
                infoRefused(stale.get(), MigState.RUNNING);
            }
        } catch (VfioException e) {
            add("precopy-info.RUNNING", "precopy", "VFIO_MIG_GET_PRECOPY_INFO is refused with EINVAL in RUNNING",
                    Rule.PRECOPY_INFO_STATES, Status.FAIL, "could not walk RUNNING -> PRE_COPY -> RUNNING: "
                            + e.error().describe());
        } finally {
            Probe.close(stale);
        }
    }

    private PrecopyInfo info(MigrationStream s, String state, String title) {
        try {
            PrecopyInfo i = s.precopyInfo();
            add("precopy-info." + state, "precopy", title, Rule.PRECOPY_INFO_STATES, Status.PASS,
                    "initial_bytes " + i.initialBytes() + ", dirty_bytes " + i.dirtyBytes());
            return i;
        } catch (VfioException e) {
            add("precopy-info." + state, "precopy", title, Rule.PRECOPY_INFO_STATES, Status.FAIL,
                    "on data_fd " + s.fd() + " in " + state + ": " + e.error().describe());
            return null;
        }
    }

    private void infoRefused(MigrationStream s, MigState state) {
        String id = "precopy-info." + state;
        String title = "VFIO_MIG_GET_PRECOPY_INFO is refused with EINVAL in " + state;
        try {
            PrecopyInfo i = s.precopyInfo();
            add(id, "precopy", title, Rule.PRECOPY_INFO_STATES, Status.FAIL, "on data_fd " + s.fd() + " in " + state
                    + " it answered initial_bytes " + i.initialBytes() + ", dirty_bytes " + i.dirtyBytes());
        } catch (VfioException e) {
            add(id, "precopy", title, Rule.PRECOPY_INFO_STATES, Probe.is(e, Errno.EINVAL) ? Status.PASS : Status.WARN,
                    "on data_fd " + s.fd() + " in " + state + ": " + Probe.errno(e)
                            + (Probe.is(e, Errno.EINVAL) ? "" : " (the uAPI asks for EINVAL)"));
        }
    }

    /** Reads the PRE_COPY stream to its temporary end, asking PRECOPY_INFO after every read. */
    private void initialBytes(MigrationStream s, PrecopyInfo first) {
        String group = "precopy";
        String title = "initial_bytes never grows while the PRE_COPY stream is read";
        String endTitle = "reading PRE_COPY reaches a temporary end (read() 0 or ENOMSG), and the fd stays usable";
        ByteBuffer buf = MigrationStream.alignedBuffer(PRECOPY_CHUNK);
        long limit = Math.min(options.maxStreamBytes(), 4 * (first.initialBytes() + first.dirtyBytes()) + (64L << 20));
        long read = 0;
        long lastInitial = first.initialBytes();
        String grew = null;
        boolean tempEnd = false;
        String endForm = null;
        VfioException error = null;
        int reads = 0;
        while (read < limit) {
            int n;
            try {
                n = s.read(buf.clear());
            } catch (VfioException e) {
                error = e;
                break;
            }
            reads++;
            if (n == 0 || n == MigrationStream.ENOMSG) {
                tempEnd = true;
                endForm = n == 0 ? "read() returned 0 (as mtty does; vfio.h asks for ENOMSG, and userspace such as "
                        + "QEMU takes either as no data now)" : "read() failed with ENOMSG (the form vfio.h asks for)";
                break;
            }
            read += n;
            try {
                PrecopyInfo i = s.precopyInfo();
                if (i.initialBytes() > lastInitial && grew == null) {
                    grew = "initial_bytes grew from " + lastInitial + " to " + i.initialBytes() + " after " + read
                            + " bytes were read";
                }
                lastInitial = i.initialBytes();
            } catch (VfioException e) {
                error = e;
                break;
            }
        }
        String progress = reads + " reads, " + read + " bytes; initial_bytes " + first.initialBytes() + " -> "
                + lastInitial;
        if (error != null) {
            add("precopy.initial-bytes", group, title, Rule.INITIAL_BYTES, Status.FAIL,
                    progress + "; then " + error.error().describe());
            return;
        }
        add("precopy.initial-bytes", group, title, Rule.INITIAL_BYTES, grew == null ? Status.PASS : Status.FAIL,
                grew == null ? progress : grew + " (" + progress + ")");
        if (!tempEnd) {
            add("precopy.temporary-end", group, endTitle, Rule.PRECOPY_TEMPORARY_END, Status.WARN,
                    "no temporary end within " + read + " bytes: the device dirties its state faster than it "
                            + "was read, so PRE_COPY would not converge");
            return;
        }
        try {
            boolean readable = s.poll(0);
            add("precopy.temporary-end", group, endTitle, Rule.PRECOPY_TEMPORARY_END, Status.PASS,
                    "temporary end after " + read + " bytes: " + endForm + "; poll(0) then: "
                            + (readable ? "readable (new dirty data)" : "not readable"));
        } catch (VfioException e) {
            add("precopy.temporary-end", group, endTitle, Rule.PRECOPY_TEMPORARY_END, Status.FAIL,
                    "temporary end after " + read + " bytes: " + endForm + "; then poll failed: "
                            + e.error().describe());
        }
    }

    // ------------------------------------------------------------------ resume

    private void resume(Probe peer) {
        Probe target = peer == null ? dev : peer;
        if (peer == null) {
            notApplicable.add(new NotApplicable("resume.round-trip",
                    "no --peer: the full stream is resumed into the device itself by arc.RESUMING-STOP"));
        }
        if (image == null) {
            if (peer != null) {
                notApplicable.add(new NotApplicable("resume.round-trip", NO_IMAGE));
            }
            notApplicable.add(new NotApplicable("resume.truncated", NO_IMAGE));
            return;
        }
        if (peer != null) {
            roundTrip(peer);
        }
        truncated(target);
    }

    private void roundTrip(Probe peer) {
        String title = "the stream saved from " + deviceId + " resumes into " + peer.id + "; RESUMING -> STOP accepts it";
        Optional<MigrationStream> fd = Optional.empty();
        try {
            MigFeatures peerFeatures = peer.session.migrationFeatures();
            if (!peerFeatures.equals(features)) {
                add("resume.round-trip", "resume", title, Rule.RESUME_LOADS, Status.WARN, "not checked: the peer has "
                        + peerFeatures + ", the device " + features + ": they are not compatible devices");
                return;
            }
            fd = peer.reach(MigState.RESUMING);
            if (fd.isEmpty()) {
                add("resume.round-trip", "resume", title, Rule.DATA_FD_ARCS, Status.FAIL,
                        "SET RESUMING on the peer returned no data_fd");
                return;
            }
            writeImage(peer, fd.get(), imageBytes);
            try {
                peer.session.setState(MigState.STOP);
            } catch (VfioException e) {
                add("resume.round-trip", "resume", title, Rule.RESUME_LOADS, Status.FAIL, "wrote " + imageBytes
                        + " bytes; SET STOP failed: " + e.error().describe() + "; GET: " + peer.getText());
                return;
            }
            MigState got = peer.get();
            String digest = digests(peer);
            add("resume.round-trip", "resume", title, Rule.RESUME_LOADS,
                    got == MigState.STOP ? Status.PASS : Status.FAIL,
                    "wrote " + imageBytes + " bytes to data_fd " + fd.get().fd() + "; SET STOP: ok; GET: " + got + digest);
        } catch (VfioException e) {
            add("resume.round-trip", "resume", title, Rule.RESUME_LOADS, Status.FAIL, e.error().describe()
                    + "; GET: " + peer.getText());
        } finally {
            Probe.close(fd);
        }
    }

    /** On simulated devices, whether the peer now holds the device's state byte for byte. */
    private String digests(Probe peer) {
        Optional<SimulationControls> a = dev.session.simulation();
        Optional<SimulationControls> b = peer.session.simulation();
        if (a.isEmpty() || b.isEmpty()) {
            return "";
        }
        return a.get().stateDigest() == b.get().stateDigest() ? "; state digests equal (simulation)"
                : "; state digests differ (simulation)";
    }

    private void truncated(Probe target) {
        long half = imageBytes / 2;
        String title = "a truncated stream (" + half + " of " + imageBytes + " bytes) is refused by RESUMING -> STOP";
        Optional<MigrationStream> fd = Optional.empty();
        try {
            fd = target.reach(MigState.RESUMING);
            if (fd.isEmpty()) {
                add("resume.truncated", "resume", title, Rule.DATA_FD_ARCS, Status.FAIL,
                        "SET RESUMING on " + target.id + " returned no data_fd");
                return;
            }
            String wrote;
            try {
                writeImage(target, fd.get(), half);
                wrote = "wrote " + half + " bytes to " + target.id;
            } catch (VfioException e) {
                add("resume.truncated", "resume", title, Rule.RESUME_VALIDATES, Status.PASS, "writing the first "
                        + half + " bytes was refused already: " + Probe.errno(e) + "; GET: " + target.getText());
                return;
            }
            try {
                target.session.setState(MigState.STOP);
            } catch (VfioException e) {
                add("resume.truncated", "resume", title, Rule.RESUME_VALIDATES, Status.PASS,
                        wrote + "; SET STOP: " + Probe.errno(e) + "; GET: " + target.getText());
                return;
            }
            add("resume.truncated", "resume", title, Rule.RESUME_VALIDATES, Status.FAIL,
                    wrote + "; SET STOP accepted the truncated stream; GET: " + target.getText());
        } catch (VfioException e) {
            add("resume.truncated", "resume", title, Rule.RESUME_VALIDATES, Status.FAIL,
                    "could not put " + target.id + " in RESUMING: " + e.error().describe());
        } finally {
            Probe.close(fd);
        }
    }

    // ------------------------------------------------------------------ reset and ERROR

    private void resets() {
        for (MigState from : states()) {
            String id = "reset." + from;
            String title = "VFIO_DEVICE_RESET from " + from + " returns RUNNING";
            Optional<MigrationStream> fd = Optional.empty();
            try {
                fd = dev.reach(from);
                reset(id, title, from);
            } catch (VfioException e) {
                add(id, "reset", title, Rule.RESET_RUNNING, Status.FAIL,
                        "could not put the device in " + from + ": " + e.error().describe());
            } finally {
                Probe.close(fd);
            }
        }
    }

    private void reset(String id, String title, MigState from) {
        try {
            dev.session.reset();
        } catch (VfioException e) {
            add(id, "reset", title, Rule.RESET_RUNNING, Status.FAIL,
                    "VFIO_DEVICE_RESET in " + from + " failed: " + e.error().describe() + "; GET: " + dev.getText());
            return;
        }
        String got = dev.getText();
        add(id, "reset", title, Rule.RESET_RUNNING, got.equals("RUNNING") ? Status.PASS : Status.FAIL,
                "VFIO_DEVICE_RESET in " + from + ": ok; GET: " + got);
    }

    /**
     * ERROR cannot be requested, so it is checked where it can be produced: on a simulated device by
     * an injected fault, on a real one only if a step of this run left the device there.
     */
    private void error() {
        String title = "in ERROR a SET is refused: only VFIO_DEVICE_RESET leaves it";
        Optional<SimulationControls> sim = dev.session.simulation();
        if (sim.isEmpty()) {
            String seen = dev.errorObservation();
            if (seen == null) {
                notApplicable.add(new NotApplicable("error.set-refused",
                        "no step of the run left the device in ERROR, and a real device cannot be put there on purpose"));
                notApplicable.add(new NotApplicable("reset.ERROR", "the device was never in ERROR"));
            } else {
                add("error.set-refused", "reset", title, Rule.ERROR_ONLY_RESET,
                        dev.errorSetRefused() ? Status.PASS : Status.FAIL, seen);
            }
            return;
        }
        Arc arc = new Arc(MigState.RUNNING, features.has(MigFeature.P2P) ? MigState.RUNNING_P2P : MigState.STOP);
        try {
            dev.normalize();
            sim.get().injectFault(arc, Errno.EIO, true);
            String setEv;
            try {
                Probe.close(dev.session.setState(arc.to()));
                setEv = SET + arc.to() + " with a fault injected on " + arc.id() + " succeeded";
            } catch (VfioException e) {
                setEv = SET + arc.to() + " with a fault injected on " + arc.id() + " (simulation): " + Probe.errno(e);
            }
            MigState got = dev.get();
            if (got != MigState.ERROR) {
                sim.get().clearFaults();
                add("error.set-refused", "reset", title, Rule.ERROR_ONLY_RESET, Status.WARN,
                        "not checked: " + setEv + "; GET: " + got + ", not ERROR");
                return;
            }
            try {
                Probe.close(dev.session.setState(MigState.RUNNING));
                add("error.set-refused", "reset", title, Rule.ERROR_ONLY_RESET, Status.FAIL,
                        setEv + "; GET: ERROR; SET RUNNING from ERROR succeeded; GET: " + dev.getText());
            } catch (VfioException e) {
                String ev = setEv + "; GET: ERROR; SET RUNNING: " + Probe.errno(e) + "; GET: " + dev.getText();
                add("error.set-refused", "reset", title, Rule.ERROR_ONLY_RESET,
                        Probe.is(e, Errno.EINVAL) && dev.getText().equals("ERROR") ? Status.PASS : Status.FAIL, ev);
            }
            if (dev.getText().equals("ERROR")) {
                reset("reset.ERROR", "VFIO_DEVICE_RESET from ERROR returns RUNNING", MigState.ERROR);
            }
        } catch (VfioException e) {
            sim.get().clearFaults();
            add("error.set-refused", "reset", title, Rule.ERROR_ONLY_RESET, Status.FAIL, e.error().describe());
        }
    }

    // ------------------------------------------------------------------ DMA logging

    private void dmaLogging() {
        if (!dev.session.dmaLoggingSupported()) {
            for (String id : List.of("dma-logging.cycle", "dma-logging.unaligned", "dma-logging.overlapping",
                    "dma-logging.too-many")) {
                notApplicable.add(new NotApplicable(id, "PROBE DMA_LOGGING_START: the device does not log its own "
                        + "DMA (dirty pages come from the IOMMU)"));
            }
            return;
        }
        try {
            dev.normalize();
        } catch (VfioException e) {
            add("dma-logging.cycle", "dma-logging", "DMA_LOGGING_START, REPORT, STOP with valid ranges",
                    Rule.DMA_LOGGING, Status.FAIL, "could not bring the device to RUNNING: " + e.error().describe());
            return;
        }
        cycle();
        refusedRanges("dma-logging.unaligned", "ranges not aligned to page_size are refused with EINVAL",
                List.of(new IovaRange(LOG_PAGE / 2, LOG_PAGE)), Errno.EINVAL);
        refusedRanges("dma-logging.overlapping", "overlapping ranges are refused with EINVAL",
                List.of(new IovaRange(0, 2 * LOG_PAGE), new IovaRange(LOG_PAGE, 2 * LOG_PAGE)), Errno.EINVAL);
        List<IovaRange> many = new ArrayList<>();
        for (int i = 0; i < TOO_MANY_RANGES; i++) {
            many.add(new IovaRange(2L * i * LOG_PAGE, LOG_PAGE));
        }
        refusedRanges("dma-logging.too-many", "more ranges than fit into one kernel page (" + TOO_MANY_RANGES
                + " > LOG_MAX_RANGES) are refused with E2BIG", many, Errno.E2BIG);
    }

    private void cycle() {
        String title = "DMA_LOGGING_START, REPORT (each range), STOP with two valid ranges";
        List<IovaRange> ranges = List.of(new IovaRange(0, 1L << 20), new IovaRange(16L << 20, 1L << 20));
        StringBuilder ev = new StringBuilder();
        try {
            dev.session.dmaLoggingStart(LOG_PAGE, ranges);
            ev.append("START page_size ").append(LOG_PAGE).append(", ranges [0, 1 MiB) and [16 MiB, 17 MiB): ok");
            Status status = Status.PASS;
            for (IovaRange r : ranges) {
                try {
                    DirtyBitmap b = dev.session.dmaLoggingReport(r.iova(), r.length(), LOG_PAGE);
                    ev.append("; REPORT 0x").append(Long.toHexString(r.iova())).append(": ").append(b.dirtyPages())
                            .append(" of ").append(b.pages()).append(" pages dirty");
                } catch (VfioException e) {
                    if (!Probe.is(e, Errno.EOPNOTSUPP)) {
                        throw e;
                    }
                    // iova_bitmap_alloc() is a stub without CONFIG_IOMMUFD_DRIVER: the kernel's build, not the driver.
                    status = Status.WARN;
                    ev.append("; REPORT 0x").append(Long.toHexString(r.iova())).append(": ")
                            .append(e.error().errnoMeaning()).append(" (not the driver: ").append(e.error().message())
                            .append(')');
                    break;
                }
            }
            dev.session.dmaLoggingStop();
            ev.append("; STOP: ok");
            add("dma-logging.cycle", "dma-logging", title, Rule.DMA_LOGGING, status, ev.toString());
        } catch (VfioException e) {
            stopQuietly();
            add("dma-logging.cycle", "dma-logging", title, Rule.DMA_LOGGING, Status.FAIL,
                    (ev.length() > 0 ? ev + "; " : "") + e.error().describe());
        }
    }

    private void refusedRanges(String id, String title, List<IovaRange> ranges, Errno expected) {
        String sent = "START page_size " + LOG_PAGE + " with " + ranges.size() + " range"
                + (ranges.size() == 1 ? "" : "s") + (ranges.size() <= 2 ? " " + describe(ranges) : "");
        try {
            dev.session.dmaLoggingStart(LOG_PAGE, ranges);
            stopQuietly();
            add(id, "dma-logging", title, Rule.DMA_LOGGING_RANGES, Status.FAIL, sent + ": accepted");
        } catch (VfioException e) {
            add(id, "dma-logging", title, Rule.DMA_LOGGING_RANGES, Probe.is(e, expected) ? Status.PASS : Status.WARN,
                    sent + ": " + Probe.errno(e) + (Probe.is(e, expected) ? "" : " (expected " + expected + ")"));
        }
    }

    private static String describe(List<IovaRange> ranges) {
        return String.join(", ", ranges.stream()
                .map(r -> "[0x" + Long.toHexString(r.iova()) + ", 0x" + Long.toHexString(r.end()) + ")").toList());
    }

    private void stopQuietly() {
        try {
            dev.session.dmaLoggingStop();
        } catch (VfioException e) {
            // The check that failed reports it; STOP here only keeps the next check clean.
        }
    }
}

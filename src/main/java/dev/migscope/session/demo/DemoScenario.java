package dev.migscope.session.demo;

import dev.migscope.device.Errno;
import dev.migscope.device.SimulationControls;
import dev.migscope.view.TransitionResult;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceView;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import dev.migscope.telemetry.Bytes;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The training scenario behind the window's Demo item and {@code migscope demo}, on one open
 * simulated device: a converging migration (save, then resume the stream), a non-converging one
 * (dirty rate above the link bandwidth, so PRE_COPY never catches up and the stop-copy size does
 * not shrink), and a fault that leaves the device in ERROR, which only a reset leaves.
 *
 * <p>It only calls the session (so the window's graph, log and charts follow every step) and
 * blocks on the session's futures: run it on a thread of its own, never the FX or device thread.
 */
public final class DemoScenario {

    /** One line for a menu or {@code --help}. */
    public static final String SUMMARY = "a converging migration, a non-converging one, a fault into ERROR and "
            + "its reset";

    /** The simulated link: 200 MB/s. */
    static final long LINK = 200_000_000L;
    /** Dirty rate that converges: a tenth of the link. */
    static final long CALM = LINK / 10;
    /** Dirty rate that never converges: twice the link. */
    static final long STORM = LINK * 2;

    /** What one part of the scenario showed. */
    public record Part(String name, boolean ok, String detail) {
    }

    /** Every part, in order. */
    public record Report(List<Part> parts) {
        public Report {
            parts = List.copyOf(parts);
        }

        public boolean ok() {
            return parts.stream().allMatch(Part::ok);
        }
    }

    private final DeviceView view;
    private final DeviceControl control;
    private final Duration precopyMax;
    private final Path workDir;
    private final Consumer<String> narrator;

    /**
     * @param view       an open, driven view of a simulated device (here or on another host)
     * @param precopyMax the longest PRE_COPY phase of the view's saves, as it was opened with
     * @param workDir    where the stream files go
     * @param narrator   receives one sentence per step, on the calling thread
     */
    public DemoScenario(DeviceView view, Duration precopyMax, Path workDir, Consumer<String> narrator) {
        this.view = view;
        this.control = view.control().orElseThrow(() -> new IllegalArgumentException(view.id()
                + " is only watched: the demo drives the device"));
        this.precopyMax = precopyMax;
        this.workDir = workDir;
        this.narrator = narrator;
    }

    /** Runs all three parts; blocks until done. */
    public Report run() {
        if (control.simulation().isEmpty()) {
            return new Report(List.of(new Part("setup", false, view.id()
                    + " is not a simulated device: the demo injects faults and changes the workload, "
                    + "which only a simulated device allows")));
        }
        control.setArmed(true);
        List<Part> parts = new ArrayList<>();
        parts.add(prepare());
        parts.add(converging());
        parts.add(nonConverging());
        parts.add(faultAndReset());
        Report r = new Report(parts);
        say(r.ok() ? "done: every part behaved as the uAPI says" : "done, with surprises: see above");
        return r;
    }

    private Part prepare() {
        simulate(c -> {
            c.clearFaults();
            c.setLinkBandwidth(LINK);
            c.setDirtyRate(CALM);
        });
        MigState s = view.refreshState().join();
        if (s == MigState.ERROR) {
            say("the device is in ERROR: resetting it first");
            control.reset().join();
        }
        TransitionResult r = control.transition(MigState.RUNNING).join();
        say("start: " + view.id() + " (features " + view.features() + ") is " + r.finalState()
                + "; link " + Bytes.format(LINK) + "/s");
        return new Part("setup", r.ok(), r.summary());
    }

    private Part converging() {
        say("1. converging migration: the device dirties " + Bytes.format(CALM) + "/s, a tenth of the link");
        boolean precopy = view.features().has(MigFeature.PRE_COPY);
        if (!precopy) {
            say("   this device has no PRE_COPY: the whole state moves in STOP_COPY, while the device is stopped");
        }
        Path file = workDir.resolve("converging.migscope");
        StreamResult saved = control.save(file, null, Progress.NONE, new Cancellation()).join();
        say("   saved " + phases(saved) + " in " + saved.duration().toMillis() + " ms; the device is "
                + saved.finalState() + (saved.ok() ? "" : ": " + saved.error()));
        if (!saved.ok()) {
            return new Part("converging migration", false, String.valueOf(saved.error()));
        }
        say("   resuming the stream into the same device: STOP -> RESUMING, write, -> STOP (the driver validates), "
                + "-> RUNNING");
        StreamResult resumed = control.resume(file, MigState.RUNNING, Progress.NONE, new Cancellation()).join();
        say("   resumed " + phases(resumed) + "; the device is " + resumed.finalState()
                + (resumed.ok() ? "" : ": " + resumed.error()));
        return new Part("converging migration", resumed.ok(), phases(saved) + " saved and resumed");
    }

    private Part nonConverging() {
        if (!view.features().has(MigFeature.PRE_COPY)) {
            say("2. non-converging migration: skipped, the device has no PRE_COPY to converge in");
            return new Part("non-converging migration", true, "skipped: no PRE_COPY");
        }
        simulate(c -> c.setDirtyRate(STORM));
        say("2. non-converging migration: the device dirties " + Bytes.format(STORM) + "/s, twice the link; PRE_COPY "
                + "cannot catch up, so the save switches over at its time limit ("
                + precopyMax.toSeconds() + " s)");
        double before = latest(Metric.STOP_COPY_LENGTH);
        Path file = workDir.resolve("non-converging.migscope");
        StreamResult saved = control.save(file, null, Progress.NONE, new Cancellation()).join();
        double after = latest(Metric.STOP_COPY_LENGTH);
        say("   stop_copy_length was " + mbOrUnknown(before) + " before and " + mbOrUnknown(after)
                + " at switch-over; the STOP_COPY phase moved " + phaseBytes(saved, MigState.STOP_COPY)
                + ": that is the downtime a real migration would pay");
        simulate(c -> c.setDirtyRate(CALM));
        TransitionResult back = control.transition(MigState.RUNNING).join();
        say("   back to " + back.finalState());
        return new Part("non-converging migration", saved.ok() && back.ok(),
                "STOP_COPY moved " + phaseBytes(saved, MigState.STOP_COPY));
    }

    private Part faultAndReset() {
        MigPath path = MigrationFsm.path(view.features(), MigState.RUNNING, MigState.STOP);
        Arc arc = path.arcs().get(0);
        say("3. fault: the next SET over " + arc + " fails with EIO and the driver cannot go back");
        simulate(c -> c.injectFault(arc, Errno.EIO, true));
        TransitionResult failed = control.transition(MigState.STOP).join();
        say("   " + failed.summary());
        TransitionResult refused = control.transition(MigState.RUNNING).join();
        say("   asking for RUNNING from ERROR: " + (refused.refusal() != null ? "refused: " + refused.refusal().reason()
                : refused.summary()));
        TransitionResult reset = control.reset().join();
        say("   VFIO_DEVICE_RESET: the device is " + reset.finalState());
        boolean ok = failed.finalState() == MigState.ERROR && refused.refusal() != null
                && reset.finalState() == MigState.RUNNING;
        return new Part("fault into ERROR and reset", ok, failed.summary() + "; reset: " + reset.summary());
    }

    private void simulate(Consumer<SimulationControls> c) {
        control.simulate(c).join();
    }

    private double latest(Metric m) {
        Sample s = view.telemetry().latest();
        return s == null ? Double.NaN : s.get(m);
    }

    private void say(String line) {
        narrator.accept(line);
    }

    private static String phases(StreamResult r) {
        return r.bytesByPhase().stream().map(b -> b.phase() + " " + Bytes.format(b.bytes()))
                .reduce((a, b) -> a + " + " + b).orElse("nothing");
    }

    private static String phaseBytes(StreamResult r, MigState phase) {
        return r.bytesByPhase().stream().filter(b -> b.phase() == phase).map(b -> Bytes.format(b.bytes())).findFirst()
                .orElse("nothing");
    }


    private static String mbOrUnknown(double bytes) {
        return Double.isNaN(bytes) ? "unknown" : Bytes.format((long) bytes);
    }
}

package dev.migscope.ui.charts;

import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.telemetry.WindowDecimator;
import dev.migscope.view.StateChange;
import dev.migscope.view.TelemetryKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The charts' data source, apart from their drawing (as chart-fx keeps datasets apart from
 * renderers): it is handed a view's telemetry, the catalogue that fits it and a time window, and on
 * each animation tick yields a {@link Frame}, the decimated series of every {@link ChartSpec} of the
 * catalogue, or nothing when there is nothing new to draw. Telemetry is pulled: a tick folds only
 * the samples appended since the last frame into a {@link WindowDecimator} (min/max per time
 * bucket, only the metrics some chart plots), and yields at most five frames a second. No JavaFX:
 * one reader thread (the FX thread in the window) uses an instance; the telemetry is thread-safe.
 */
final class ChartData {

    /**
     * Points per series after decimation (two per bucket): about two per horizontal pixel of a
     * chart in a full-screen window, so decimation costs nothing visible, and cheap to draw.
     */
    static final int MAX_POINTS = 1500;
    /**
     * A frame redraws four whole charts, in software where there is no GPU: at most five a second
     * keeps the FX thread free for input while the sampler runs at 10 Hz or more.
     */
    static final long MIN_FRAME_NANOS = 200_000_000L;

    /**
     * What one chart plots in a frame: for each of its spec's series, left then right axis, and each
     * of its markers, the decimated {x[] (s), y[]} of the series' metric as measured (unscaled), each
     * a copy its reader may change.
     */
    record Plot(ChartSpec spec, List<double[][]> left, List<double[][]> right, List<double[][]> markers) {
    }

    /**
     * One frame of the charts.
     *
     * @param latest the newest sample (the live titles read it)
     * @param from   the time axis' start (s): the window before {@code to}, not before 0
     * @param to     the time axis' end (s): the newest sample's time, at least 1
     * @param now    the newest sample's time (s): where a phase still open ends
     * @param states the view's state changes, read once for this frame (its phase bands)
     * @param plots  one per spec of the catalogue, in its order
     */
    record Frame(Sample latest, double from, double to, double now, List<StateChange> states,
                        List<Plot> plots) {
    }

    private List<ChartSpec> specs = ChartSpec.catalogue(TelemetryKind.DEVICE);
    private Telemetry telemetry;
    private Supplier<List<StateChange>> states = List::of;
    private long windowNanos;
    /** The window's decimation of the telemetry; null until the next frame builds it. */
    private WindowDecimator decimator;
    private long seenVersion = -1;
    private boolean invalid = true;
    private long lastFrameNanos;

    /** @param windowSeconds the time span the charts show */
    ChartData(long windowSeconds) {
        setWindow(windowSeconds);
    }

    /** Yields {@code t}'s series for the charts that fit {@code k} from the next tick on; null: none. */
    void show(Telemetry t, TelemetryKind k) {
        telemetry = t;
        specs = ChartSpec.catalogue(k);
        decimator = null;
        seenVersion = -1;
        invalid = true;
    }

    /** The shown view's state changes, read once a frame, from the next tick on. */
    void setStates(Supplier<List<StateChange>> s) {
        states = s;
        invalid = true;
    }

    /** The time span shown, from the next tick on: the decimation starts over for it. */
    void setWindow(long seconds) {
        if (seconds <= 0) {
            throw new IllegalArgumentException("window of " + seconds + " s");
        }
        windowNanos = seconds * 1_000_000_000L;
        decimator = null;
        invalid = true;
    }

    /** The next tick yields a frame, new samples or not: what the charts show was changed (the link bandwidth). */
    void invalidate() {
        invalid = true;
    }

    /**
     * One animation tick: folds in the samples appended since the last frame and yields the new
     * frame, when there is telemetry with a sample and either something was {@link #invalidate
     * changed} or new samples came at least {@link #MIN_FRAME_NANOS} after the last frame.
     *
     * @param tickNanos the tick's time, on any monotonic clock ({@link System#nanoTime})
     */
    Optional<Frame> tick(long tickNanos) {
        Telemetry t = telemetry;
        if (t == null) {
            return Optional.empty();
        }
        long v = t.version();
        if (v == seenVersion && !invalid) {
            return Optional.empty();
        }
        if (!invalid && tickNanos - lastFrameNanos < MIN_FRAME_NANOS) {
            return Optional.empty();
        }
        lastFrameNanos = tickNanos;
        Sample latest = t.latest();
        if (latest == null) {
            return Optional.empty();
        }
        seenVersion = v;
        invalid = false;
        if (decimator == null) {
            decimator = new WindowDecimator(windowNanos, MAX_POINTS / 2, plottedMetrics());
        }
        decimator.update(t);
        double now = latest.timeNanos() / 1e9;
        List<Plot> plots = new ArrayList<>(specs.size());
        for (ChartSpec s : specs) {
            plots.add(new Plot(s, series(s.left().stream().map(ChartSpec.Series::metric)),
                    series(s.right().stream().map(ChartSpec.Series::metric)),
                    series(s.markers().stream().map(ChartSpec.Marker::metric))));
        }
        return Optional.of(new Frame(latest, Math.max(0, now - windowNanos / 1e9), Math.max(now, 1), now,
                states.get(), plots));
    }

    /** The metrics some series or marker plots: the only ones copied out of the telemetry. */
    private Metric[] plottedMetrics() {
        return specs.stream()
                .flatMap(s -> Stream.concat(Stream.concat(s.left().stream(), s.right().stream())
                        .map(ChartSpec.Series::metric), s.markers().stream().map(ChartSpec.Marker::metric)))
                .distinct().toArray(Metric[]::new);
    }

    private List<double[][]> series(Stream<Metric> metrics) {
        return metrics.map(decimator::series).toList();
    }
}

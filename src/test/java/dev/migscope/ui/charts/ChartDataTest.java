package dev.migscope.ui.charts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.PrecopyInfo;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.view.StateChange;
import dev.migscope.view.TelemetryKind;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToDoubleFunction;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The charts' data source on real telemetry, without a JavaFX thread: decimation, window and when a frame comes. */
class ChartDataTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1000 * MS;
    /** Tick times far enough apart that the five-a-second limit never holds a frame back. */
    private long tick;

    private long nextTick() {
        tick += ChartData.MIN_FRAME_NANOS;
        return tick;
    }

    /** Samples every 100 ms from {@code from} to before {@code to} (s), PRE_COPY_THROUGHPUT {@code value(i)}. */
    private static void sample(Telemetry t, int from, int to, IntToDoubleFunction value) {
        for (int i = from * 10; i < to * 10; i++) {
            t.append(new Sample(i * 100 * MS).set(Metric.PRE_COPY_THROUGHPUT, value.applyAsDouble(i))
                    .set(Metric.STOP_COPY_LENGTH, 4096.0 * i));
        }
    }

    private static ChartData.Plot plot(ChartData.Frame f, String id) {
        return f.plots().stream().filter(p -> p.spec().id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void noTelemetryOrNoSampleYieldsNoFrame() {
        ChartData d = new ChartData(30);
        assertThat(d.tick(nextTick())).isEmpty();
        Telemetry t = new Telemetry(100);
        d.show(t, TelemetryKind.DEVICE);
        assertThat(d.tick(nextTick())).isEmpty();
        t.append(new Sample(0).set(Metric.PRE_COPY_THROUGHPUT, 1));
        assertThat(d.tick(nextTick())).isPresent();
        d.show(null, TelemetryKind.DEVICE);
        assertThat(d.tick(nextTick())).isEmpty();
    }

    @Test
    void anHourIsDecimatedToBoundedSeriesThatKeepASpikeAtItsTimeUnscaled() {
        Telemetry t = new Telemetry(36_000);
        sample(t, 0, 3600, i -> i == 12_345 ? 7 * 1048576.0 : 1.0);
        ChartData d = new ChartData(3600);
        d.show(t, TelemetryKind.DEVICE);

        ChartData.Frame f = d.tick(nextTick()).orElseThrow();
        assertThat(f.plots()).extracting(p -> p.spec().id()).containsExactlyElementsOf(
                ChartSpec.CATALOGUE.stream().map(ChartSpec::id).toList());
        double[][] pre = plot(f, "chart-throughput").left().get(0);
        assertThat(pre[0].length).isEqualTo(pre[1].length).isLessThanOrEqualTo(ChartData.MAX_POINTS + 2)
                .isGreaterThan(ChartData.MAX_POINTS / 2);
        // As measured: bytes/s, not the MiB/s the axis shows.
        int spike = indexOf(pre[1], 7 * 1048576.0);
        assertThat(spike).isNotNegative();
        assertThat(pre[0][spike]).isEqualTo(1234.5);
        assertThat(pre[1]).contains(1.0);
        // Metrics no sample carries leave their series empty rather than drawing zeros.
        assertThat(plot(f, "chart-throughput").left().get(1)[0]).isEmpty();
        assertThat(plot(f, "chart-precopy").markers()).hasSize(1);
        // The same metric in two series comes as two copies: a reader scaling one leaves the other.
        double[][] size = plot(f, "chart-stopcopy").left().get(0);
        double[][] downtime = plot(f, "chart-stopcopy").right().get(0);
        assertThat(size[1]).containsExactly(downtime[1]).isNotSameAs(downtime[1]);
    }

    @Test
    void theWindowEndsAtTheNewestSampleAndAWiderOneShowsWhatTheNarrowOneLeftOut() {
        Telemetry t = new Telemetry(10_000);
        sample(t, 0, 120, i -> i);
        ChartData d = new ChartData(30);
        d.show(t, TelemetryKind.DEVICE);

        ChartData.Frame f = d.tick(nextTick()).orElseThrow();
        assertThat(f.now()).isEqualTo(119.9);
        assertThat(f.to()).isEqualTo(119.9);
        assertThat(f.from()).isCloseTo(89.9, Offset.offset(1e-9));
        double[][] pre = plot(f, "chart-throughput").left().get(0);
        // Buckets are aligned to the clock: the oldest one kept may start up to one bucket before the window.
        double bucket = 30.0 / (ChartData.MAX_POINTS / 2);
        assertThat(Arrays.stream(pre[0]).min().orElseThrow()).isBetween(f.from() - bucket, f.from() + bucket);
        assertThat(Arrays.stream(pre[0]).max().orElseThrow()).isEqualTo(119.9);
        // 10 Hz into 750 buckets of 40 ms: each sample its own point, none decimated away.
        assertThat(pre[1]).contains(1199.0, 1000.0).doesNotContain(800.0);

        d.setWindow(300);
        f = d.tick(nextTick()).orElseThrow();
        assertThat(f.from()).isZero();
        pre = plot(f, "chart-throughput").left().get(0);
        assertThat(pre[0][0]).isZero();
        assertThat(pre[1]).contains(0.0, 800.0, 1199.0);
    }

    @Test
    void theTimeAxisIsAtLeastOneSecondLongAtTheStart() {
        Telemetry t = new Telemetry(10);
        t.append(new Sample(200 * MS).set(Metric.PRE_COPY_THROUGHPUT, 5));
        ChartData d = new ChartData(30);
        d.show(t, TelemetryKind.DEVICE);
        ChartData.Frame f = d.tick(nextTick()).orElseThrow();
        assertThat(f.from()).isZero();
        assertThat(f.to()).isEqualTo(1.0);
        assertThat(f.now()).isEqualTo(0.2);
    }

    @Test
    void samplesAppendedBetweenFramesFoldInAsIfAllHadComeAtOnce() {
        Telemetry live = new Telemetry(10_000);
        ChartData incremental = new ChartData(30);
        incremental.show(live, TelemetryKind.DEVICE);
        ChartData.Frame last = null;
        for (int s = 0; s < 91; s += 7) {
            sample(live, s, s + 7, i -> (i * 7919) % 1000);
            last = incremental.tick(nextTick()).orElseThrow();
        }
        ChartData once = new ChartData(30);
        once.show(live, TelemetryKind.DEVICE);

        double[][] a = plot(last, "chart-throughput").left().get(0);
        double[][] b = plot(once.tick(nextTick()).orElseThrow(), "chart-throughput").left().get(0);
        assertThat(a[0]).containsExactly(b[0]);
        assertThat(a[1]).containsExactly(b[1]);
    }

    @Test
    void atMostFiveFramesASecondAndNoneWithoutNewSamplesUnlessInvalidated() {
        Telemetry t = new Telemetry(100);
        ChartData d = new ChartData(30);
        d.show(t, TelemetryKind.DEVICE);
        t.append(new Sample(0).set(Metric.PRE_COPY_THROUGHPUT, 1));
        long t0 = 10 * S;
        assertThat(d.tick(t0)).isPresent();

        t.append(new Sample(100 * MS).set(Metric.PRE_COPY_THROUGHPUT, 2));
        assertThat(d.tick(t0 + 100 * MS)).isEmpty();
        assertThat(d.tick(t0 + ChartData.MIN_FRAME_NANOS)).isPresent();
        // Nothing appended: no frame, however long since the last.
        assertThat(d.tick(t0 + 5 * S)).isEmpty();
        // Something the charts show changed (the link bandwidth): a frame at once, no new sample needed.
        d.invalidate();
        assertThat(d.tick(t0 + 5 * S + MS)).isPresent();
        d.setWindow(300);
        assertThat(d.tick(t0 + 5 * S + 2 * MS)).isPresent();
    }

    @Test
    void theStatesAreReadOnceAFrameAndTheCatalogueFollowsTheKind() {
        Telemetry t = new Telemetry(100);
        t.append(new Sample(0).set(Metric.RAM_THROUGHPUT, 1).set(Metric.PRECOPY_FLAGS, PrecopyInfo.REINIT));
        AtomicInteger reads = new AtomicInteger();
        List<StateChange> states = List.of(new StateChange(0, MigState.PRE_COPY));
        ChartData d = new ChartData(30);
        d.show(t, TelemetryKind.QEMU_MIGRATION);
        d.setStates(() -> {
            reads.incrementAndGet();
            return states;
        });
        assertThat(reads).hasValue(0);

        ChartData.Frame f = d.tick(nextTick()).orElseThrow();
        assertThat(reads).hasValue(1);
        assertThat(f.states()).isEqualTo(states);
        assertThat(f.plots()).extracting(p -> p.spec().id()).containsExactlyElementsOf(
                ChartSpec.QEMU_MIGRATION.stream().map(ChartSpec::id).toList());
        assertThat(plot(f, "chart-qemu-ram").left().get(0)[1]).containsExactly(1.0);
        assertThat(d.tick(nextTick())).isEmpty();
        assertThat(reads).hasValue(1);

        d.show(t, TelemetryKind.DEVICE);
        f = d.tick(nextTick()).orElseThrow();
        assertThat(reads).hasValue(2);
        assertThat(plot(f, "chart-precopy").markers().get(0)[1]).containsExactly((double) PrecopyInfo.REINIT);
    }

    private static int indexOf(double[] a, double v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }
}

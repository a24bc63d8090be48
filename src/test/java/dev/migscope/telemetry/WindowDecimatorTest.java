package dev.migscope.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowDecimatorTest {

    private static final long MS = 1_000_000L;

    /** Samples every {@code stepNanos} from 0, value y[i] for DIRTY_RATE. */
    private static Telemetry telemetry(int capacity, long stepNanos, double[] y) {
        Telemetry t = new Telemetry(capacity);
        for (int i = 0; i < y.length; i++) {
            t.append(new Sample(i * stepNanos).set(Metric.DIRTY_RATE, y[i]));
        }
        return t;
    }

    @Test
    void fewerSamplesThanBucketsPassThroughWithoutGaps() {
        Telemetry t = telemetry(100, 50 * MS, new double[] {5, Double.NaN, 7, 8});
        WindowDecimator d = new WindowDecimator(30_000 * MS, 750, Metric.DIRTY_RATE);
        assertThat(d.update(t)).isTrue();
        double[][] out = d.series(Metric.DIRTY_RATE);
        assertThat(out[0]).containsExactly(0, 0.1, 0.15);
        assertThat(out[1]).containsExactly(5, 7, 8);
    }

    @Test
    void anHourIsBoundedAndKeepsASingleSampleSpikeAtItsTime() {
        int n = 72_000; // 1 h at 20 Hz
        double[] y = new double[n];
        Arrays.fill(y, 1.0);
        y[12_345] = 1e9; // a burst of dirty pages in one sample must survive
        y[67_777] = -5;
        WindowDecimator d = new WindowDecimator(3_600_000 * MS, 750, Metric.DIRTY_RATE);
        d.update(telemetry(n, 50 * MS, y));
        double[][] out = d.series(Metric.DIRTY_RATE);
        assertThat(out[0].length).isLessThanOrEqualTo(2 * 751).isEqualTo(out[1].length);
        int spike = indexOf(out[1], 1e9);
        assertThat(spike).isNotNegative();
        assertThat(out[0][spike]).isEqualTo(12_345 * 0.05);
        assertThat(out[1]).contains(-5.0);
    }

    @Test
    void foldingChunkByChunkGivesTheSameSeriesAsOneBatch() {
        Random r = new Random(7);
        for (int round = 0; round < 30; round++) {
            int n = 100 + r.nextInt(20_000);
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(10) == 0 ? Double.NaN : r.nextGaussian() * 100;
            }
            long window = (1 + r.nextInt(600)) * 1000 * MS;
            int buckets = 4 + r.nextInt(800);
            WindowDecimator batch = new WindowDecimator(window, buckets, Metric.DIRTY_RATE);
            batch.update(telemetry(n, 50 * MS, y));

            Telemetry live = new Telemetry(n);
            WindowDecimator incremental = new WindowDecimator(window, buckets, Metric.DIRTY_RATE);
            for (int i = 0; i < n; i++) {
                live.append(new Sample(i * 50 * MS).set(Metric.DIRTY_RATE, y[i]));
                if (r.nextInt(5) == 0) {
                    incremental.update(live);
                }
            }
            incremental.update(live);
            double[][] a = batch.series(Metric.DIRTY_RATE);
            double[][] b = incremental.series(Metric.DIRTY_RATE);
            assertThat(b[0]).containsExactly(a[0]);
            assertThat(b[1]).containsExactly(a[1]);
        }
    }

    @Test
    void keepsTheWindowsExtremesInTimeOrderAndDropsWhatLeftTheWindow() {
        Random r = new Random(42);
        int n = 50_000;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextGaussian() * 100;
        }
        y[100] = 1e6; // at 5 s: long out of a 60 s window ending at 2500 s
        long window = 60_000 * MS;
        WindowDecimator d = new WindowDecimator(window, 300, Metric.DIRTY_RATE);
        d.update(telemetry(n, 50 * MS, y));
        double[][] out = d.series(Metric.DIRTY_RATE);
        double end = (n - 1) * 0.05;
        // The first bucket may start before the window (buckets are aligned to the clock), never a bucket earlier.
        assertThat(out[0][0]).isGreaterThanOrEqualTo(end - 60 - 60.0 / 300);
        assertThat(out[1]).doesNotContain(1e6, Double.NaN);
        int from = (int) Math.ceil((end - 60) / 0.05);
        double min = Arrays.stream(y, from, n).min().orElseThrow();
        double max = Arrays.stream(y, from, n).max().orElseThrow();
        assertThat(out[1]).contains(min, max);
        for (int i = 1; i < out[0].length; i++) {
            assertThat(out[0][i]).isGreaterThan(out[0][i - 1]);
        }
        // Every kept point is a real (time, value) pair of the input.
        for (int i = 0; i < out[0].length; i++) {
            assertThat(y[(int) Math.round(out[0][i] / 0.05)]).isEqualTo(out[1][i]);
        }
    }

    @Test
    void samplesTheRingAlreadyOverwroteAreSkippedNotInvented() {
        Telemetry t = new Telemetry(10);
        WindowDecimator d = new WindowDecimator(1_000_000 * MS, 1000, Metric.DIRTY_RATE);
        for (int i = 0; i < 25; i++) {
            t.append(new Sample(i * 1000 * MS).set(Metric.DIRTY_RATE, i));
        }
        d.update(t);
        assertThat(d.series(Metric.DIRTY_RATE)[1]).containsExactly(15, 16, 17, 18, 19, 20, 21, 22, 23, 24);
        assertThat(d.update(t)).isFalse();
    }

    @Test
    void allNaNGivesNoPointsAndOnlyTheDecimatedMetricsCanBeAsked() {
        double[] y = new double[1000];
        Arrays.fill(y, Double.NaN);
        WindowDecimator d = new WindowDecimator(10_000 * MS, 10, Metric.DIRTY_RATE);
        d.update(telemetry(1000, 10 * MS, y));
        assertThat(d.series(Metric.DIRTY_RATE)[0]).isEmpty();
        assertThatThrownBy(() -> d.series(Metric.TOTAL_BYTES)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TOTAL_BYTES");
    }

    @Test
    void appendedSinceCopiesOnlyTheNewSamples() {
        Telemetry t = new Telemetry(4);
        for (int i = 0; i < 3; i++) {
            t.append(new Sample(i).set(Metric.STATE, i));
        }
        TelemetrySnapshot s = t.appendedSince(1, Metric.STATE);
        assertThat(s.times()).containsExactly(1, 2);
        assertThat(s.version()).isEqualTo(3);
        for (int i = 3; i < 9; i++) {
            t.append(new Sample(i).set(Metric.STATE, i));
        }
        assertThat(t.appendedSince(3, Metric.STATE).times()).containsExactly(5, 6, 7, 8);
        assertThat(t.appendedSince(9, Metric.STATE).times()).isEmpty();
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

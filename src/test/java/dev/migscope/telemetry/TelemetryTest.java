package dev.migscope.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TelemetryTest {

    private static Sample sample(long t, double state) {
        return new Sample(t).set(Metric.STATE, state).set(Metric.TOTAL_BYTES, t * 10);
    }

    @Test
    void emptyRingHasNothing() {
        Telemetry t = new Telemetry(4);
        assertThat(t.size()).isZero();
        assertThat(t.version()).isZero();
        assertThat(t.latest()).isNull();
        TelemetrySnapshot s = t.snapshot(Long.MIN_VALUE, Metric.STATE);
        assertThat(s.size()).isZero();
        assertThat(s.values(Metric.STATE)).isEmpty();
    }

    @Test
    void capacityBelowTwoIsRefused() {
        assertThatThrownBy(() -> new Telemetry(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2");
    }

    @Test
    void ringWrapKeepsTheNewestSamplesOldestFirst() {
        Telemetry t = new Telemetry(5);
        for (long i = 1; i <= 12; i++) {
            t.append(sample(i, i % 8));
        }
        assertThat(t.size()).isEqualTo(5);
        assertThat(t.capacity()).isEqualTo(5);
        assertThat(t.version()).isEqualTo(12);
        TelemetrySnapshot s = t.snapshot(Long.MIN_VALUE, Metric.STATE, Metric.TOTAL_BYTES);
        assertThat(s.times()).containsExactly(8, 9, 10, 11, 12);
        assertThat(s.values(Metric.STATE)).containsExactly(0, 1, 2, 3, 4);
        assertThat(s.values(Metric.TOTAL_BYTES)).containsExactly(80, 90, 100, 110, 120);
        assertThat(s.version()).isEqualTo(12);
        assertThat(t.latest().timeNanos()).isEqualTo(12);
        assertThat(t.latest().get(Metric.TOTAL_BYTES)).isEqualTo(120);
    }

    @Test
    void wrapAtEveryFillLevelKeepsOrder() {
        Telemetry t = new Telemetry(7);
        for (long i = 0; i < 40; i++) {
            t.append(sample(i, 1));
            TelemetrySnapshot s = t.snapshot(Long.MIN_VALUE);
            int n = (int) Math.min(i + 1, 7);
            assertThat(s.size()).isEqualTo(n);
            for (int k = 0; k < n; k++) {
                assertThat(s.times()[k]).isEqualTo(i - n + 1 + k);
            }
        }
    }

    @Test
    void snapshotSinceTimeIsInclusiveAndWorksAcrossTheWrap() {
        Telemetry t = new Telemetry(6);
        for (long i = 0; i < 10; i++) {
            t.append(sample(100 * i, 2));
        }
        // Held: 400 .. 900.
        assertThat(t.snapshot(650).times()).containsExactly(700, 800, 900);
        assertThat(t.snapshot(700).times()).containsExactly(700, 800, 900);
        assertThat(t.snapshot(0).times()).containsExactly(400, 500, 600, 700, 800, 900);
        assertThat(t.snapshot(901).times()).isEmpty();
        assertThat(t.snapshot(900).times()).containsExactly(900);
    }

    @Test
    void unmeasuredValuesAreNaN() {
        Telemetry t = new Telemetry(3);
        t.append(new Sample(1).set(Metric.STATE, 2));
        TelemetrySnapshot s = t.snapshot(0, Metric.STATE, Metric.DIRTY_RATE);
        assertThat(s.values(Metric.DIRTY_RATE)[0]).isNaN();
        assertThat(s.values(Metric.STATE)[0]).isEqualTo(2);
    }

    @Test
    void askingForAMetricNotSnapshottedIsAnError() {
        Telemetry t = new Telemetry(3);
        t.append(sample(1, 2));
        TelemetrySnapshot s = t.snapshot(0, Metric.STATE);
        assertThatThrownBy(() -> s.values(Metric.DIRTY_BYTES)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DIRTY_BYTES");
    }

    @Test
    void snapshotIsACopy() {
        Telemetry t = new Telemetry(3);
        t.append(sample(1, 2));
        TelemetrySnapshot s = t.snapshot(0, Metric.STATE);
        for (int i = 0; i < 5; i++) {
            t.append(sample(10 + i, 7));
        }
        assertThat(s.times()).containsExactly(1);
        assertThat(s.values(Metric.STATE)).containsExactly(2);
        assertThat(s.version()).isEqualTo(1);
        assertThat(t.version()).isEqualTo(6);
    }

    @Test
    void concurrentReadersSeeConsistentSnapshots() throws Exception {
        Telemetry t = new Telemetry(64);
        Thread writer = new Thread(() -> {
            for (long i = 0; i < 20_000; i++) {
                t.append(sample(i, i));
            }
        });
        writer.start();
        while (writer.isAlive()) {
            TelemetrySnapshot s = t.snapshot(Long.MIN_VALUE, Metric.STATE);
            long[] times = s.times();
            double[] v = s.values(Metric.STATE);
            for (int k = 0; k < times.length; k++) {
                assertThat(v[k]).isEqualTo((double) times[k]);
                if (k > 0) {
                    assertThat(times[k]).isEqualTo(times[k - 1] + 1);
                }
            }
            if (times.length > 0) {
                assertThat(s.version()).isEqualTo(times[times.length - 1] + 1);
            }
        }
        writer.join();
        assertThat(t.version()).isEqualTo(20_000);
    }
}

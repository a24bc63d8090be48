package dev.migscope.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DecimatorTest {

    private static double[] xs(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 0.1;
        }
        return x;
    }

    @Test
    void shortSeriesPassThroughWithoutGaps() {
        double[] x = {0, 1, 2, 3};
        double[] y = {5, Double.NaN, 7, 8};
        double[][] out = Decimator.minMax(x, y, 10);
        assertThat(out[0]).containsExactly(0, 2, 3);
        assertThat(out[1]).containsExactly(5, 7, 8);
    }

    @Test
    void longSeriesIsBoundedAndKeepsSpikes() {
        int n = 100_000;
        double[] x = xs(n);
        double[] y = new double[n];
        Arrays.fill(y, 1.0);
        y[12_345] = 1e9; // a single-sample spike (a burst of dirty pages) must survive
        y[77_777] = -5;
        double[][] out = Decimator.minMax(x, y, 500);
        assertThat(out[0].length).isLessThanOrEqualTo(500).isEqualTo(out[1].length);
        assertThat(out[1]).contains(1e9, -5.0);
        int spike = indexOf(out[1], 1e9);
        assertThat(out[0][spike]).isEqualTo(x[12_345]);
    }

    @Test
    void keepsGlobalExtremesAndAscendingXForRandomSeries() {
        Random r = new Random(42);
        for (int round = 0; round < 50; round++) {
            int n = 10 + r.nextInt(5000);
            int max = 4 + r.nextInt(300);
            double[] x = xs(n);
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(10) == 0 ? Double.NaN : r.nextGaussian() * 100;
            }
            double[][] out = Decimator.minMax(x, y, max);
            assertThat(out[0].length).isLessThanOrEqualTo(max).isEqualTo(out[1].length);
            assertThat(out[1]).doesNotContain(Double.NaN);
            double min = Arrays.stream(y).filter(v -> !Double.isNaN(v)).min().orElseThrow();
            double mx = Arrays.stream(y).filter(v -> !Double.isNaN(v)).max().orElseThrow();
            assertThat(out[1]).contains(min, mx);
            for (int i = 1; i < out[0].length; i++) {
                assertThat(out[0][i]).isGreaterThan(out[0][i - 1]);
            }
            // Every kept point is a real (x, y) pair of the input.
            for (int i = 0; i < out[0].length; i++) {
                int idx = (int) Math.round(out[0][i] / 0.1);
                assertThat(y[idx]).isEqualTo(out[1][i]);
            }
        }
    }

    @Test
    void allNaNGivesNoPoints() {
        double[] y = new double[1000];
        Arrays.fill(y, Double.NaN);
        double[][] out = Decimator.minMax(xs(1000), y, 10);
        assertThat(out[0]).isEmpty();
        assertThat(out[1]).isEmpty();
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

package dev.migscope.telemetry;

/**
 * Min/max decimation for charts: keeps each bucket's minimum and maximum points (in time order) so
 * peaks survive, and bounds the points a chart redraws whatever the history length.
 */
public final class Decimator {
    private Decimator() {
    }

    /**
     * @param x         ascending x values
     * @param y         values (NaN gaps are kept out)
     * @param maxPoints the most points wanted (at least 4)
     * @return {x[], y[]} with at most about {@code maxPoints} points
     */
    public static double[][] minMax(double[] x, double[] y, int maxPoints) {
        int n = x.length;
        if (n <= maxPoints) {
            return dropNaN(x, y);
        }
        int buckets = Math.max(1, maxPoints / 2);
        double[] ox = new double[buckets * 2];
        double[] oy = new double[buckets * 2];
        int o = 0;
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * n / buckets);
            int to = (int) ((long) (b + 1) * n / buckets);
            int iMin = -1;
            int iMax = -1;
            for (int i = from; i < to; i++) {
                if (Double.isNaN(y[i])) {
                    continue;
                }
                if (iMin < 0 || y[i] < y[iMin]) {
                    iMin = i;
                }
                if (iMax < 0 || y[i] > y[iMax]) {
                    iMax = i;
                }
            }
            if (iMin < 0) {
                continue;
            }
            int a = Math.min(iMin, iMax);
            int c = Math.max(iMin, iMax);
            ox[o] = x[a];
            oy[o++] = y[a];
            if (c != a) {
                ox[o] = x[c];
                oy[o++] = y[c];
            }
        }
        return new double[][] {java.util.Arrays.copyOf(ox, o), java.util.Arrays.copyOf(oy, o)};
    }

    private static double[][] dropNaN(double[] x, double[] y) {
        double[] ox = new double[x.length];
        double[] oy = new double[x.length];
        int o = 0;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isNaN(y[i])) {
                ox[o] = x[i];
                oy[o++] = y[i];
            }
        }
        return new double[][] {java.util.Arrays.copyOf(ox, o), java.util.Arrays.copyOf(oy, o)};
    }
}

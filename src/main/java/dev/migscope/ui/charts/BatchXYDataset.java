package dev.migscope.ui.charts;

import java.util.ArrayList;
import java.util.List;
import org.jfree.data.xy.AbstractXYDataset;

/**
 * An XY dataset whose series are all replaced at once, with one change event: JFreeChart-FX
 * redraws the whole chart on every dataset change, so a frame must cost one redraw, never one
 * per point or per series.
 */
final class BatchXYDataset extends AbstractXYDataset {
    private static final long serialVersionUID = 1L;

    private final List<String> keys;
    private final List<double[][]> data = new ArrayList<>();

    BatchXYDataset(List<String> keys) {
        this.keys = List.copyOf(keys);
        for (int i = 0; i < keys.size(); i++) {
            data.add(new double[][] {new double[0], new double[0]});
        }
    }

    /** Replaces every series ({x[], y[]} in key order) and notifies listeners once. */
    void setAll(List<double[][]> series) {
        for (int i = 0; i < keys.size(); i++) {
            data.set(i, series.get(i));
        }
        fireDatasetChanged();
    }

    /** Points in all series: what a test checks to see that data arrived. */
    int totalItems() {
        int n = 0;
        for (double[][] d : data) {
            n += d[0].length;
        }
        return n;
    }

    @Override
    public int getSeriesCount() {
        return keys.size();
    }

    @Override
    public Comparable<?> getSeriesKey(int series) {
        return keys.get(series);
    }

    @Override
    public int getItemCount(int series) {
        return data.get(series)[0].length;
    }

    @Override
    public Number getX(int series, int item) {
        return data.get(series)[0][item];
    }

    @Override
    public Number getY(int series, int item) {
        return data.get(series)[1][item];
    }

    @Override
    public double getXValue(int series, int item) {
        return data.get(series)[0][item];
    }

    @Override
    public double getYValue(int series, int item) {
        return data.get(series)[1][item];
    }
}

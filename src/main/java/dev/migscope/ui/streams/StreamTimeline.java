package dev.migscope.ui.streams;

import dev.migscope.device.Visible;
import dev.migscope.stream.Pass;
import dev.migscope.stream.StreamSummary;
import dev.migscope.stream.VfioData;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The timeline chart's data, apart from its drawing: the bytes each device sent in each pass of a
 * stream, RAM and every VFIO device on one pass axis. A stream has no clock, only an order, so the
 * axis is the pass: 0 the setup (a VFIO device's START section), 1..n the precopy passes (RAM: a
 * walk over guest memory; VFIO: one PART section, one {@code vfio_save_iterate}), and one past the
 * last precopy pass of any device the stop-copy (the END sections), where the chart marks it. A
 * stream keeps up to {@code StreamLimits.PASSES} passes per device: beyond {@link #MAX_POINTS} the
 * precopy passes are decimated to each bucket's minimum and maximum, so peaks stay. No JavaFX.
 */
public final class StreamTimeline {

    /** Points per line after decimation: about two per horizontal pixel of the chart. */
    static final int MAX_POINTS = 1500;

    /**
     * One device's bytes by pass.
     *
     * @param label its name in the legend ("RAM", the VFIO section's name)
     * @param ram   whether it is the RAM (plotted on its own axis: pages outweigh device state by far)
     * @param x     the passes, increasing
     * @param y     the bytes of each
     */
    public record Line(String label, boolean ram, double[] x, double[] y) {
    }

    /**
     * @param lines     RAM first (when the stream has it), then each VFIO device in stream order
     * @param stopCopyX the stop-copy's place on the axis, or -1 when no device reached it
     * @param lastX     the axis' last pass (the stop-copy's, else the last precopy pass)
     */
    public record Timeline(List<Line> lines, int stopCopyX, int lastX) {
    }

    private StreamTimeline() {
    }

    public static Timeline of(StreamSummary s) {
        List<Pass> ram = s.ram() == null ? List.of() : s.ram().passes();
        Optional<Pass> ramStop = s.ram() == null ? Optional.empty() : s.ram().stopCopy();
        int precopy = ram.size();
        boolean stopped = ramStop.isPresent();
        List<List<Pass>> devicePasses = new ArrayList<>();
        for (VfioData d : s.devices()) {
            List<Pass> p = d.passes();
            devicePasses.add(p);
            precopy = Math.max(precopy, p.size());
            stopped |= d.stopCopy().isPresent();
        }
        int stopX = stopped ? precopy + 1 : -1;
        List<Line> lines = new ArrayList<>();
        if (s.ram() != null) {
            lines.add(line("RAM", true, Optional.empty(), ram, ramStop, stopX));
        }
        for (int i = 0; i < s.devices().size(); i++) {
            VfioData d = s.devices().get(i);
            lines.add(line(Visible.of(d.name()), false, d.setup(), devicePasses.get(i), d.stopCopy(), stopX));
        }
        return new Timeline(lines, stopX, stopped ? stopX : Math.max(precopy, 1));
    }

    private static Line line(String label, boolean ram, Optional<Pass> setup, List<Pass> precopy, Optional<Pass> stop,
            int stopX) {
        double[][] passes = decimate(precopy);
        int n = passes[0].length + (setup.isPresent() ? 1 : 0) + (stop.isPresent() ? 1 : 0);
        double[] x = new double[n];
        double[] y = new double[n];
        int k = 0;
        if (setup.isPresent()) {
            x[k] = 0;
            y[k++] = setup.get().bytes();
        }
        System.arraycopy(passes[0], 0, x, k, passes[0].length);
        System.arraycopy(passes[1], 0, y, k, passes[1].length);
        k += passes[0].length;
        if (stop.isPresent()) {
            x[k] = stopX;
            y[k] = stop.get().bytes();
        }
        return new Line(label, ram, x, y);
    }

    /**
     * The precopy passes as {x[], y[]}: each one when they are few, else per bucket of passes its
     * minimum and its maximum, in pass order.
     */
    static double[][] decimate(List<Pass> passes) {
        int n = passes.size();
        if (n <= MAX_POINTS) {
            double[][] xy = {new double[n], new double[n]};
            for (int i = 0; i < n; i++) {
                xy[0][i] = passes.get(i).number();
                xy[1][i] = passes.get(i).bytes();
            }
            return xy;
        }
        int buckets = MAX_POINTS / 2;
        double[] x = new double[buckets * 2];
        double[] y = new double[buckets * 2];
        int k = 0;
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) n * b / buckets);
            int to = (int) ((long) n * (b + 1) / buckets);
            int min = from;
            int max = from;
            for (int i = from; i < to; i++) {
                if (passes.get(i).bytes() < passes.get(min).bytes()) {
                    min = i;
                }
                if (passes.get(i).bytes() > passes.get(max).bytes()) {
                    max = i;
                }
            }
            for (int i : new int[] {Math.min(min, max), Math.max(min, max)}) {
                x[k] = passes.get(i).number();
                y[k++] = passes.get(i).bytes();
            }
        }
        return new double[][] {x, y};
    }
}

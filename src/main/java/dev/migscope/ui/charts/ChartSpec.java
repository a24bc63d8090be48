package dev.migscope.ui.charts;

import dev.migscope.device.PrecopyInfo;
import dev.migscope.telemetry.Bytes;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.view.TelemetryKind;
import java.util.List;
import java.util.Locale;

/**
 * What one chart plots: its id ({@code #chart-throughput}), title, and a left axis with its
 * series and optionally a right one. The charts of the window are {@link #CATALOGUE} for a
 * device's own telemetry and {@link #QEMU_MIGRATION} for a migration QEMU runs, chosen by the
 * view's {@link TelemetryKind} ({@link #catalogue}); their colours come from the theme's palette by
 * each series' {@code colour} name.
 *
 * @param title       the title above the chart, from the newest sample and the link bandwidth
 * @param leftLabel   the left axis' label (its unit)
 * @param rightLabel  the right axis' label; unused when {@code right} is empty
 * @param markers     events drawn as vertical lines where a sample has them
 */
public record ChartSpec(String id, Title title, String leftLabel, List<Series> left, String rightLabel,
                        List<Series> right, List<Marker> markers) {

    public ChartSpec {
        left = List.copyOf(left);
        right = List.copyOf(right);
        markers = List.copyOf(markers);
    }

    /** A chart without markers. */
    public ChartSpec(String id, Title title, String leftLabel, List<Series> left, String rightLabel,
            List<Series> right) {
        this(id, title, leftLabel, left, rightLabel, right, List.of());
    }

    /**
     * A vertical line at each sample whose {@code metric} has {@code bit} set, labelled {@code label}.
     *
     * @param colour the palette colour's name without {@code -ms-}
     */
    public record Marker(Metric metric, int bit, String label, String colour) {

        /** True when the decimated value {@code v} (a bucket's min or max of the flags) has the bit. */
        public boolean at(double v) {
            return !Double.isNaN(v) && ((long) v & bit) != 0;
        }
    }

    /**
     * One plotted line.
     *
     * @param label   its legend entry, also how tests and callers name it
     * @param colour  the palette colour's name without {@code -ms-} ({@code series-pre-copy})
     * @param dashed  a total or an estimate rather than a measured rate
     */
    public record Series(Metric metric, String label, Scale scale, String colour, boolean dashed) {
    }

    /**
     * How a metric's value becomes the axis' number. Increasing in the value: it is applied after
     * decimation, to each bucket's min and max.
     */
    public enum Scale {
        /** As measured (pages/s). */
        ONE,
        /** Bytes (or bytes/s) as MiB (MiB/s): binary units, as {@link Bytes} writes them. */
        MIB,
        /** A stop_copy_length in bytes as the milliseconds it takes over the link. */
        DOWNTIME_MS,
        /** Seconds as milliseconds. */
        MS;

        double apply(double v, double linkBytesPerSecond) {
            return switch (this) {
                case ONE -> v;
                case MIB -> Bytes.mebibytes(v);
                case DOWNTIME_MS -> v / linkBytesPerSecond * 1000;
                case MS -> v * 1000;
            };
        }
    }

    /** A chart's title: fixed, or a live one. */
    @FunctionalInterface
    public interface Title {
        /** @param latest the newest sample, null before the first */
        String text(Sample latest, double linkBytesPerSecond);

        static Title fixed(String text) {
            return (latest, link) -> text;
        }
    }

    /** The four charts of a device's own telemetry, in reading order (left to right, top to bottom). */
    public static final List<ChartSpec> CATALOGUE = List.of(
            new ChartSpec("chart-throughput", Title.fixed("Migration data throughput"), "MiB/s", List.of(
                    new Series(Metric.PRE_COPY_THROUGHPUT, "PRE_COPY", Scale.MIB, "series-pre-copy", false),
                    new Series(Metric.STOP_COPY_THROUGHPUT, "STOP_COPY", Scale.MIB, "series-stop-copy", false),
                    new Series(Metric.RESUME_THROUGHPUT, "RESUMING", Scale.MIB, "series-resume", false)),
                    "total MiB", List.of(
                    new Series(Metric.TOTAL_BYTES, "total moved", Scale.MIB, "series-total", true))),
            new ChartSpec("chart-precopy", Title.fixed("PRE_COPY info"), "MiB", List.of(
                    new Series(Metric.INITIAL_BYTES, "initial_bytes", Scale.MIB, "series-stop-copy", false),
                    new Series(Metric.DIRTY_BYTES, "dirty_bytes", Scale.MIB, "series-pre-copy", false)),
                    "", List.of(), List.of(
                    new Marker(Metric.PRECOPY_FLAGS, PrecopyInfo.REINIT, "REINIT", "series-resume"))),
            new ChartSpec("chart-dirty", Title.fixed("Dirty rate"), "MiB/s", List.of(
                    new Series(Metric.DIRTY_RATE, "device state dirtied", Scale.MIB, "series-pre-copy", false)),
                    "pages/s", List.of(
                    new Series(Metric.DMA_DIRTY_PAGES_RATE, "DMA dirty pages", Scale.ONE, "series-dma", true))),
            new ChartSpec("chart-stopcopy", ChartSpec::stopCopyTitle, "MiB", List.of(
                    new Series(Metric.STOP_COPY_LENGTH, "stop_copy_length", Scale.MIB, "series-stop-copy", false)),
                    "ms", List.of(
                    new Series(Metric.STOP_COPY_LENGTH, "downtime at link", Scale.DOWNTIME_MS, "series-resume", true))));

    /**
     * The four charts of a migration QEMU runs, from its query-migrate polls: vfio.transferred (all
     * of the QEMU's VFIO devices), or the device's own DATA_STATE bytes when a tap feeds it
     * ({@code attach --tap}), as bytes/s by the device's phase, so pre-copy and stop-copy show apart; guest RAM; RAM dirty pages; QEMU's expected downtime against its downtime-limit.
     */
    public static final List<ChartSpec> QEMU_MIGRATION = List.of(
            new ChartSpec("chart-qemu-vfio", Title.fixed("VFIO data (vfio.transferred, or a tap's DATA_STATE)"), "MiB/s",
                    List.of(
                    new Series(Metric.PRE_COPY_THROUGHPUT, "pre-copy", Scale.MIB, "series-pre-copy", false),
                    new Series(Metric.STOP_COPY_THROUGHPUT, "stop-copy", Scale.MIB, "series-stop-copy", false)),
                    "total MiB", List.of(
                    new Series(Metric.TOTAL_BYTES, "total", Scale.MIB, "series-total", true))),
            new ChartSpec("chart-qemu-ram", Title.fixed("Guest RAM sent"), "MiB/s", List.of(
                    new Series(Metric.RAM_THROUGHPUT, "RAM", Scale.MIB, "series-resume", false)),
                    "", List.of()),
            new ChartSpec("chart-qemu-dirty", Title.fixed("Guest RAM dirty pages rate"), "pages/s", List.of(
                    new Series(Metric.RAM_DIRTY_PAGES_RATE, "dirty pages", Scale.ONE, "series-dma", false)),
                    "", List.of()),
            new ChartSpec("chart-qemu-downtime", ChartSpec::expectedDowntimeTitle, "ms", List.of(
                    new Series(Metric.DOWNTIME_ESTIMATE, "expected downtime", Scale.MS, "series-stop-copy", false),
                    new Series(Metric.DOWNTIME_LIMIT, "downtime-limit", Scale.MS, "series-total", true)),
                    "", List.of()));

    /** The charts that fit a view's telemetry. */
    public static List<ChartSpec> catalogue(TelemetryKind kind) {
        return switch (kind) {
            case DEVICE -> CATALOGUE;
            case QEMU_MIGRATION -> QEMU_MIGRATION;
        };
    }

    /** The downtime chart says QEMU's newest estimate against its limit. */
    static String expectedDowntimeTitle(Sample latest, double linkBytesPerSecond) {
        double expected = latest == null ? Double.NaN : latest.get(Metric.DOWNTIME_ESTIMATE);
        double limit = latest == null ? Double.NaN : latest.get(Metric.DOWNTIME_LIMIT);
        return Double.isNaN(expected) ? "Expected downtime and downtime-limit"
                : String.format(Locale.ROOT, "Expected downtime %.0f ms", Scale.MS.apply(expected, 0))
                        + (Double.isNaN(limit) ? "" : String.format(Locale.ROOT, " \u00b7 limit %.0f ms",
                                Scale.MS.apply(limit, 0)));
    }

    /** The stop-copy chart says what a switch-over now would move and cost. */
    static String stopCopyTitle(Sample latest, double linkBytesPerSecond) {
        double size = latest == null ? Double.NaN : latest.get(Metric.STOP_COPY_LENGTH);
        return Double.isNaN(size) ? "Stop-copy size and downtime"
                : "Stop-copy " + Bytes.format(size) + " \u00b7 downtime " + String.format(Locale.ROOT, "%.1f ms",
                        Scale.DOWNTIME_MS.apply(size, linkBytesPerSecond));
    }
}

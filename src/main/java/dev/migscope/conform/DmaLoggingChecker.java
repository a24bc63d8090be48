package dev.migscope.conform;

import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.VfioException;
import java.util.ArrayList;
import java.util.List;

/**
 * The device's own DMA dirty tracking, when it has one. vfio.h: "A single call to start device DMA
 * logging can be issued and a matching stop should follow at the end. [...] Query the device's DMA
 * log for written pages within the given IOVA range" ({@link Rule#DMA_LOGGING}); and the ranges
 * vfio_ioctl_device_feature_logging_start() refuses ({@link Rule#DMA_LOGGING_RANGES}).
 */
final class DmaLoggingChecker implements Checker {

    private static final String GROUP = "dma-logging";
    /** The page size the DMA logging checks use; every kernel accepts 4 KiB. */
    private static final long LOG_PAGE = 4096;
    /**
     * LOG_MAX_RANGES is PAGE_SIZE / 16 (ranges of 16 bytes in one kernel page): 256 with 4 KiB pages,
     * 4096 with 64 KiB pages. One more than the larger is too many on every kernel.
     */
    private static final int TOO_MANY_RANGES = 65536 / 16 + 1;

    @Override
    public void check(CheckContext c) {
        if (!c.dev.session.dmaLoggingSupported()) {
            for (String id : List.of("dma-logging.cycle", "dma-logging.unaligned", "dma-logging.overlapping",
                    "dma-logging.too-many")) {
                c.notApplicable(id, "PROBE DMA_LOGGING_START: the device does not log its own "
                        + "DMA (dirty pages come from the IOMMU)");
            }
            return;
        }
        try {
            c.dev.normalize();
        } catch (VfioException e) {
            c.add("dma-logging.cycle", GROUP, "DMA_LOGGING_START, REPORT, STOP with valid ranges",
                    Rule.DMA_LOGGING, Status.FAIL, "could not bring the device to RUNNING: " + e.error().describe());
            return;
        }
        cycle(c);
        refusedRanges(c, "dma-logging.unaligned", "ranges not aligned to page_size are refused with EINVAL",
                List.of(new IovaRange(LOG_PAGE / 2, LOG_PAGE)), Errno.EINVAL);
        refusedRanges(c, "dma-logging.overlapping", "overlapping ranges are refused with EINVAL",
                List.of(new IovaRange(0, 2 * LOG_PAGE), new IovaRange(LOG_PAGE, 2 * LOG_PAGE)), Errno.EINVAL);
        List<IovaRange> many = new ArrayList<>();
        for (int i = 0; i < TOO_MANY_RANGES; i++) {
            many.add(new IovaRange(2L * i * LOG_PAGE, LOG_PAGE));
        }
        refusedRanges(c, "dma-logging.too-many", "more ranges than fit into one kernel page (" + TOO_MANY_RANGES
                + " > LOG_MAX_RANGES) are refused with E2BIG", many, Errno.E2BIG);
    }

    private static void cycle(CheckContext c) {
        String title = "DMA_LOGGING_START, REPORT (each range), STOP with two valid ranges";
        List<IovaRange> ranges = List.of(new IovaRange(0, 1L << 20), new IovaRange(16L << 20, 1L << 20));
        StringBuilder ev = new StringBuilder();
        try {
            c.dev.session.dmaLoggingStart(LOG_PAGE, ranges);
            ev.append("START page_size ").append(LOG_PAGE).append(", ranges [0, 1 MiB) and [16 MiB, 17 MiB): ok");
            Status status = Status.PASS;
            for (IovaRange r : ranges) {
                try {
                    DirtyBitmap b = c.dev.session.dmaLoggingReport(r.iova(), r.length(), LOG_PAGE);
                    ev.append("; REPORT 0x").append(Long.toHexString(r.iova())).append(": ").append(b.dirtyPages())
                            .append(" of ").append(b.pages()).append(" pages dirty");
                } catch (VfioException e) {
                    if (!DeviceUnderTest.is(e, Errno.EOPNOTSUPP)) {
                        throw e;
                    }
                    // iova_bitmap_alloc() is a stub without CONFIG_IOMMUFD_DRIVER: the kernel's build, not the driver.
                    status = Status.WARN;
                    ev.append("; REPORT 0x").append(Long.toHexString(r.iova())).append(": ")
                            .append(e.error().errnoMeaning()).append(" (not the driver: ").append(e.error().message())
                            .append(')');
                    break;
                }
            }
            c.dev.session.dmaLoggingStop();
            ev.append("; STOP: ok");
            c.add("dma-logging.cycle", GROUP, title, Rule.DMA_LOGGING, status, ev.toString());
        } catch (VfioException e) {
            stopQuietly(c);
            c.add("dma-logging.cycle", GROUP, title, Rule.DMA_LOGGING, Status.FAIL,
                    (ev.length() > 0 ? ev + "; " : "") + e.error().describe());
        }
    }

    private static void refusedRanges(CheckContext c, String id, String title, List<IovaRange> ranges,
            Errno expected) {
        String sent = "START page_size " + LOG_PAGE + " with " + ranges.size() + " range"
                + (ranges.size() == 1 ? "" : "s") + (ranges.size() <= 2 ? " " + describe(ranges) : "");
        try {
            c.dev.session.dmaLoggingStart(LOG_PAGE, ranges);
            stopQuietly(c);
            c.add(id, GROUP, title, Rule.DMA_LOGGING_RANGES, Status.FAIL, sent + ": accepted");
        } catch (VfioException e) {
            boolean expectedErrno = DeviceUnderTest.is(e, expected);
            c.add(id, GROUP, title, Rule.DMA_LOGGING_RANGES, expectedErrno ? Status.PASS : Status.WARN,
                    sent + ": " + DeviceUnderTest.errno(e) + (expectedErrno ? "" : " (expected " + expected + ")"));
        }
    }

    private static String describe(List<IovaRange> ranges) {
        return String.join(", ", ranges.stream()
                .map(r -> "[0x" + Long.toHexString(r.iova()) + ", 0x" + Long.toHexString(r.end()) + ")").toList());
    }

    private static void stopQuietly(CheckContext c) {
        try {
            c.dev.session.dmaLoggingStop();
        } catch (VfioException e) {
            // The check that failed reports it; STOP here only keeps the next check clean.
        }
    }
}

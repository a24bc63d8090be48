package dev.migscope.sim;

import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.IovaRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableSet;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A started DMA log: the tracked IOVA ranges at one page size and the pages the device wrote since
 * the last report. Pages are written at random over the ranges at the device's DMA rate; the log
 * holds at most {@link #MAX_LOGGED_PAGES} pages, like a device's finite tracker.
 */
final class DmaLog {

    /** The kernel's LOG_MAX_RANGES: ranges that fit into one 4 KiB page (16 bytes each). */
    static final int LOG_MAX_RANGES = 4096 / 16;
    /** The smallest page size DMA_LOGGING_REPORT accepts (SZ_4K in vfio_main.c). */
    static final long MIN_PAGE_SIZE = 4096;
    static final int MAX_LOGGED_PAGES = 1 << 18;

    private final long pageSize;
    private final List<IovaRange> ranges;
    private final long[] firstPageOfRange;
    private final long trackedPages;
    private final NavigableSet<Long> dirtyPages = new TreeSet<>();
    private final SplittableRandom random;
    private double pagesOwed;

    /** {@code ranges} were validated by {@link #validate}. */
    DmaLog(long pageSize, List<IovaRange> ranges, long seed) {
        this.pageSize = pageSize;
        this.ranges = sorted(ranges);
        this.firstPageOfRange = new long[this.ranges.size()];
        long pages = 0;
        for (int i = 0; i < this.ranges.size(); i++) {
            firstPageOfRange[i] = pages;
            pages += this.ranges.get(i).length() / pageSize;
        }
        this.trackedPages = pages;
        this.random = new SplittableRandom(seed);
    }

    /**
     * The checks of vfio_ioctl_device_feature_logging_start, plus the page-size rule the drivers
     * and the report path rely on. Null when the request is valid.
     */
    static Problem validate(long pageSize, List<IovaRange> ranges) {
        if (ranges.isEmpty()) {
            return new Problem(false, "num_ranges is 0: give at least one IOVA range to track");
        }
        if (ranges.size() > LOG_MAX_RANGES) {
            return new Problem(true, ranges.size() + " ranges exceed the " + LOG_MAX_RANGES
                    + " that fit in one kernel page (LOG_MAX_RANGES); merge neighbouring ranges");
        }
        if (pageSize < MIN_PAGE_SIZE || Long.bitCount(pageSize) != 1) {
            return new Problem(false, "page_size " + pageSize + " is not a power of two of at least 4096");
        }
        for (int i = 0; i < ranges.size(); i++) {
            IovaRange r = ranges.get(i);
            if (r.length() == 0) {
                return new Problem(false, "range " + i + " is empty (length 0)");
            }
            if (r.iova() % pageSize != 0 || r.length() % pageSize != 0) {
                return new Problem(false, "range " + i + " (iova 0x" + Long.toHexString(r.iova()) + ", length 0x"
                        + Long.toHexString(r.length()) + ") is not aligned to page_size " + pageSize);
            }
            if (r.iova() < 0 || r.length() < 0 || r.iova() + r.length() < 0) {
                return new Problem(false, "range " + i + " reaches past the IOVA space this device can address");
            }
        }
        List<IovaRange> s = sorted(ranges);
        for (int i = 1; i < s.size(); i++) {
            if (s.get(i).iova() < s.get(i - 1).end()) {
                return new Problem(false, "ranges at iova 0x" + Long.toHexString(s.get(i - 1).iova()) + " and 0x"
                        + Long.toHexString(s.get(i).iova()) + " overlap");
            }
        }
        return null;
    }

    /** Why a request is refused: E2BIG when {@code tooMany}, EINVAL otherwise. */
    record Problem(boolean tooMany, String sentence) {
    }

    /** The device ran long enough to write {@code pages} more pages. */
    void accrue(double pages) {
        pagesOwed += pages;
        long n = (long) pagesOwed;
        pagesOwed -= n;
        long room = Math.min(trackedPages, MAX_LOGGED_PAGES) - dirtyPages.size();
        long tries = Math.min(n, 4L * MAX_LOGGED_PAGES);
        for (long i = 0; i < tries && room > 0; i++) {
            if (dirtyPages.add(pageAt(random.nextLong(trackedPages)))) {
                room--;
            }
        }
    }

    /** The reason a report is refused, or null; the report page size was checked already. */
    String reportProblem(long iova, long length, long reportPageSize) {
        if (length <= 0 || iova < 0 || iova % reportPageSize != 0 || length % reportPageSize != 0) {
            return "iova 0x" + Long.toHexString(iova) + " and length 0x" + Long.toHexString(length)
                    + " must be non-empty multiples of page_size " + reportPageSize;
        }
        for (IovaRange r : ranges) {
            if (iova >= r.iova() && iova + length <= r.end()) {
                return null;
            }
        }
        return "[0x" + Long.toHexString(iova) + ", 0x" + Long.toHexString(iova + length)
                + ") is not inside one range given to DMA_LOGGING_START";
    }

    /** Sets a bit for each report page the device wrote to, then clears what it reported. */
    DirtyBitmap report(long iova, long length, long reportPageSize) {
        long pages = length / reportPageSize;
        long[] words = new long[(int) ((pages + 63) / 64)];
        NavigableSet<Long> hit = dirtyPages.subSet(iova / pageSize, true, (iova + length - 1) / pageSize, true);
        for (long logged : hit) {
            long start = Math.max(logged * pageSize, iova);
            long end = Math.min((logged + 1) * pageSize, iova + length);
            for (long bit = (start - iova) / reportPageSize; bit <= (end - 1 - iova) / reportPageSize; bit++) {
                words[(int) (bit >>> 6)] |= 1L << (bit & 63);
            }
        }
        hit.clear();
        return new DirtyBitmap(iova, length, reportPageSize, words);
    }

    private long pageAt(long index) {
        int i = 0;
        while (i + 1 < firstPageOfRange.length && firstPageOfRange[i + 1] <= index) {
            i++;
        }
        return ranges.get(i).iova() / pageSize + (index - firstPageOfRange[i]);
    }

    private static List<IovaRange> sorted(List<IovaRange> ranges) {
        List<IovaRange> s = new ArrayList<>(ranges);
        s.sort(Comparator.comparingLong(IovaRange::iova));
        return s;
    }
}

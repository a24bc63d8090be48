package dev.migscope.device;

/**
 * What DMA_LOGGING_REPORT filled in for {@code [iova, iova+length)}: one bit a page, bit 0 of
 * word 0 is the page at {@code iova} (the kernel's little-endian u64 bitmap).
 */
public record DirtyBitmap(long iova, long length, long pageSize, long[] words) {

    /** The number of dirty pages: the popcount of the bitmap. */
    public long dirtyPages() {
        long n = 0;
        for (long w : words) {
            n += Long.bitCount(w);
        }
        return n;
    }

    public long pages() {
        return length / pageSize;
    }

    public boolean isDirty(long page) {
        return (words[(int) (page >>> 6)] & (1L << (page & 63))) != 0;
    }
}

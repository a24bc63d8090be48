package dev.migscope.stream;

import dev.migscope.device.Visible;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The "ram" section's contents (migration/ram.c, section version 4), decoded across its START,
 * PART and END sections: the RAM blocks, then pages per pass.
 */
public final class RamData {

    static final int FLAG_ZERO = 0x002;
    static final int FLAG_MEM_SIZE = 0x004;
    static final int FLAG_PAGE = 0x008;
    static final int FLAG_EOS = 0x010;
    static final int FLAG_CONTINUE = 0x020;
    static final int FLAG_XBZRLE = 0x040;
    static final int FLAG_HOOK = 0x080;
    static final int FLAG_COMPRESS_PAGE = 0x100;
    static final int FLAG_MULTIFD_FLUSH = 0x200;
    /** mapped-ram's per-block header (MappedRamHeader, packed: be32 version, be64 page_size, bitmap_offset, pages_offset). */
    static final int MAPPED_RAM_HEADER = 28;

    /** A RAM block as the setup announced it. */
    public record Block(String name, long length) {
    }

    private final long pageSize;
    private final Configuration config;
    private final List<Block> blocks = new ArrayList<>();
    private final Map<String, Integer> blockIndex = new HashMap<>();
    private final List<Pass> passes = new ArrayList<>();
    private Counter current;
    private Counter stopCopy;
    private long memSize;
    private long multifdFlushes;
    private long xbzrlePages;
    private long passesDropped;
    private String mappedRam = "";
    // Where the last page was, to see a pass begin again from the start of RAM.
    private int currentIndex = -1;
    /** The last block named in a page header, as bytes: QEMU names it again on most pages. */
    private byte[] lastName = new byte[0];
    /** The section being read: its pages, zero pages and page bytes. */
    private long sectionPages;
    private long sectionZero;
    private long sectionBytes;
    private int lastBlock = -1;
    private long lastAddr = -1;

    RamData(long pageSize, Configuration config) {
        this.pageSize = pageSize;
        this.config = config;
    }

    public List<Block> blocks() {
        return List.copyOf(blocks);
    }

    public long memSize() {
        return memSize;
    }

    public long pageSize() {
        return pageSize;
    }

    /** Precopy passes, in order (the last one as counted so far). */
    public List<Pass> passes() {
        List<Pass> all = new ArrayList<>(passes);
        if (current != null) {
            all.add(current.pass());
        }
        return List.copyOf(all);
    }

    /** The END section's pages, if the stream got that far. */
    public Optional<Pass> stopCopy() {
        return Optional.ofNullable(stopCopy).map(Counter::pass);
    }

    public long multifdFlushes() {
        return multifdFlushes;
    }

    public long xbzrlePages() {
        return xbzrlePages;
    }

    public long passesDropped() {
        return passesDropped;
    }

    /** Empty, or how mapped-ram laid the pages out (they are not in the sequential stream). */
    public String mappedRam() {
        return mappedRam;
    }

    /**
     * Reads one ram section's payload up to its EOS flag. Returns {pages, zero pages, page bytes}
     * of this section.
     */
    long[] read(StreamInput in, SectionType type, long sectionOffset) throws StreamException {
        sectionPages = 0;
        sectionZero = 0;
        sectionBytes = 0;
        // One call per page header: the JIT compiles a method after some thousand calls, while a
        // loop inside one call waits for on-stack replacement, and a stream file is read once, in a
        // new JVM (-XX:+PrintCompilation shows header() compiled in the read's first 60 ms).
        while (!header(in, type, sectionOffset)) {
            // next header
        }
        return new long[] {sectionPages, sectionZero, sectionBytes};
    }

    /** Reads one page header and what follows it; true at the section's EOS flag. */
    private boolean header(StreamInput in, SectionType type, long sectionOffset) throws StreamException {
        long word = in.be64();
        int flags = (int) (word & (pageSize - 1));
        long addr = word & ~(pageSize - 1);
        if ((flags & FLAG_MEM_SIZE) != 0) {
            readBlocks(in, addr);
            flags &= ~FLAG_MEM_SIZE;
        }
        if ((flags & (FLAG_ZERO | FLAG_PAGE | FLAG_XBZRLE)) != 0) {
            int kind = flags & (FLAG_ZERO | FLAG_PAGE | FLAG_XBZRLE);
            if (Integer.bitCount(kind) != 1) {
                throw in.error("a RAM page header with flags 0x" + Integer.toHexString(flags)
                        + " (more than one of ZERO, PAGE, XBZRLE)");
            }
            int index = (flags & FLAG_CONTINUE) != 0 ? currentIndex : blockNamed(in);
            if (index < 0) {
                throw in.error("a RAM page continues a block, but no block was named before it");
            }
            currentIndex = index;
            String block = blocks.get(index).name();
            if (addr >= blocks.get(index).length()) {
                throw in.error("a RAM page at 0x" + Long.toHexString(addr) + " beyond block '"
                        + Visible.of(block) + "' (" + blocks.get(index).length() + " bytes)");
            }
            long pageBytes;
            boolean zeroPage = false;
            if (kind == FLAG_ZERO) {
                in.u8();
                zeroPage = true;
                pageBytes = 0;
            } else if (kind == FLAG_PAGE) {
                in.skip(pageSize);
                pageBytes = pageSize;
            } else {
                int encoding = in.u8();
                if (encoding != 1) {
                    throw in.error("an XBZRLE page with encoding " + encoding + " (ENCODING_FLAG_XBZRLE is 1)");
                }
                int len = in.be16();
                in.skip(len);
                pageBytes = len;
                xbzrlePages++;
            }
            page(type, sectionOffset, index, addr, pageBytes, zeroPage);
            if (zeroPage) {
                sectionZero++;
            } else {
                sectionPages++;
                sectionBytes += pageBytes;
            }
            flags &= ~(kind | FLAG_CONTINUE);
        }
        if ((flags & FLAG_HOOK) != 0) {
            throw in.error("a RAM_SAVE_FLAG_HOOK (RDMA registration): an RDMA migration, not a stream migscope reads");
        }
        if ((flags & FLAG_COMPRESS_PAGE) != 0) {
            throw in.error("a compressed RAM page (RAM_SAVE_FLAG_COMPRESS_PAGE, removed in QEMU 9.1): not read");
        }
        if ((flags & FLAG_MULTIFD_FLUSH) != 0) {
            multifdFlushes++;
            flags &= ~FLAG_MULTIFD_FLUSH;
        }
        boolean eos = (flags & FLAG_EOS) != 0;
        flags &= ~FLAG_EOS;
        if (flags != 0) {
            throw in.error("a RAM header with unknown flags 0x" + Integer.toHexString(flags)
                    + " (word 0x" + Long.toHexString(word) + ")");
        }
        if (eos && type == SectionType.END && stopCopy == null) {
            // A stop-copy with nothing dirty left is still the stop-copy.
            stopCopy = new Counter(1, Pass.Phase.STOP_COPY, sectionOffset);
        }
        return eos;
    }

    /** The block a page header names (u8 length, idstr), without a String when it is the last one named. */
    private int blockNamed(StreamInput in) throws StreamException {
        int len = in.u8();
        if (len == lastName.length && currentIndex >= 0 && in.nextEquals(lastName)) {
            in.skip(len);
            return currentIndex;
        }
        byte[] name = in.bytes(len);
        String block = new String(name, StandardCharsets.ISO_8859_1);
        Integer index = blockIndex.get(block);
        if (index == null) {
            throw in.error("a RAM page for block '" + Visible.of(block) + "', which the setup did not announce");
        }
        lastName = name;
        return index;
    }

    private void readBlocks(StreamInput in, long total) throws StreamException {
        if (!blocks.isEmpty()) {
            throw in.error("a second RAM_SAVE_FLAG_MEM_SIZE: the RAM blocks were announced already");
        }
        memSize = total;
        long left = total;
        while (left > 0) {
            if (blocks.size() >= StreamLimits.RAM_BLOCKS) {
                throw in.error("more than " + StreamLimits.RAM_BLOCKS + " RAM blocks");
            }
            String name = in.string();
            long used = in.be64();
            if (used <= 0 || used > left) {
                throw in.error("RAM block '" + Visible.of(name) + "' of " + used
                        + " bytes, but only " + left + " of the announced " + total + " are left");
            }
            if (config.has("x-ignore-shared")) {
                in.be64();
            }
            if (config.has("mapped-ram")) {
                readMappedRamHeader(in, name, used);
            }
            blockIndex.put(name, blocks.size());
            blocks.add(new Block(name, used));
            left -= used;
        }
    }

    private void readMappedRamHeader(StreamInput in, String name, long used) throws StreamException {
        long version = in.be32();
        long headerPageSize = in.be64();
        long bitmapOffset = in.be64();
        long pagesOffset = in.be64();
        if (version != 1 || headerPageSize != pageSize || pagesOffset < in.offset()) {
            throw in.error("a mapped-ram header for block '" + Visible.of(name)
                    + "' with version " + version + ", page size " + headerPageSize + ", pages at " + pagesOffset);
        }
        // The pages lie at fixed offsets; the stream goes on after the block's page region.
        in.skip(pagesOffset + used - in.offset());
        if (mappedRam.isEmpty()) {
            mappedRam = "mapped-ram: the pages of each RAM block lie at fixed file offsets (block '" + Visible.of(name)
                    + "': page bitmap at 0x" + Long.toHexString(bitmapOffset) + ", pages at 0x"
                    + Long.toHexString(pagesOffset) + "); they are not counted per pass, the stream's sections are read";
        }
    }

    private void page(SectionType type, long sectionOffset, int block, long addr, long pageBytes, boolean zero) {
        if (type == SectionType.END) {
            if (stopCopy == null) {
                stopCopy = new Counter(1, Pass.Phase.STOP_COPY, sectionOffset);
            }
            stopCopy.add(zero, pageBytes);
            return;
        }
        boolean again = current == null || block < lastBlock || (block == lastBlock && addr <= lastAddr);
        lastBlock = block;
        lastAddr = addr;
        if (again) {
            if (current != null) {
                if (passes.size() < StreamLimits.PASSES) {
                    passes.add(current.pass());
                } else {
                    passesDropped++;
                }
            }
            current = new Counter(passes.size() + 1, Pass.Phase.PRECOPY, sectionOffset);
        }
        current.add(zero, pageBytes);
    }

    /** One pass being counted: a page is a field update, not an object (a 1 TiB VM is 2^28 pages). */
    private static final class Counter {
        final int number;
        final Pass.Phase phase;
        final long offset;
        long bytes;
        long count;
        long zero;

        Counter(int number, Pass.Phase phase, long offset) {
            this.number = number;
            this.phase = phase;
            this.offset = offset;
        }

        void add(boolean zeroPage, long pageBytes) {
            if (zeroPage) {
                zero++;
            } else {
                count++;
                bytes += pageBytes;
            }
        }

        Pass pass() {
            return new Pass(number, phase, bytes, count, zero, offset);
        }
    }
}

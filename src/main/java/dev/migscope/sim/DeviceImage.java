package dev.migscope.sim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The internal state of a simulated device: pages whose bytes are a pure function of (content
 * seed, page index, generation). Dirtying a page bumps its generation; resuming copies seed and
 * generations after checking every payload byte, so two devices with equal images hold equal bytes.
 */
final class DeviceImage {

    private final int pageBytes;
    private final int[] generations;
    private long seed;
    /** CRC32C of each page's bytes, valid while {@link #crcValid} is set: only changed pages are re-read. */
    private final int[] pageCrc;
    private final boolean[] crcValid;

    DeviceImage(long seed, int pageCount, int pageBytes) {
        this.seed = seed;
        this.pageBytes = pageBytes;
        this.generations = new int[pageCount];
        this.pageCrc = new int[pageCount];
        this.crcValid = new boolean[pageCount];
    }

    long seed() {
        return seed;
    }

    int pageCount() {
        return generations.length;
    }

    int pageBytes() {
        return pageBytes;
    }

    int generation(int page) {
        return generations[page];
    }

    void dirty(int page) {
        generations[page]++;
        crcValid[page] = false;
    }

    /** Replaces the whole state with what a resuming session loaded. */
    void load(long newSeed, int[] newGenerations) {
        seed = newSeed;
        System.arraycopy(newGenerations, 0, generations, 0, generations.length);
        Arrays.fill(crcValid, false);
    }

    /** A CRC32C over the CRC32C of every page's bytes: it changes when any byte of the content does. */
    long digest() {
        ByteBuffer page = ByteBuffer.allocate(pageBytes).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer crcs = ByteBuffer.allocate(generations.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p < generations.length; p++) {
            if (!crcValid[p]) {
                page.clear();
                fill(page, seed, p, generations[p]);
                CRC32C crc = new CRC32C();
                crc.update(page.flip());
                pageCrc[p] = (int) crc.getValue();
                crcValid[p] = true;
            }
            crcs.putInt(pageCrc[p]);
        }
        CRC32C all = new CRC32C();
        all.update(crcs.array());
        return all.getValue();
    }

    /** CRC32C of the generation table: the END record carries it so a resume can prove it has all of it. */
    static int generationsCrc(int[] generations) {
        ByteBuffer b = ByteBuffer.allocate(generations.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int g : generations) {
            b.putInt(g);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array());
        return (int) crc.getValue();
    }

    int generationsCrc() {
        return generationsCrc(generations);
    }

    /**
     * Writes the bytes of {@code page} at {@code generation} into {@code dst} (its remaining space,
     * whole longs): a multiply-xorshift of a counter from a per-page start, cheap enough that
     * generating and checking pages keeps up with the fastest simulated link.
     */
    static void fill(ByteBuffer dst, long seed, long page, int generation) {
        long start = new SplittableRandom(seed ^ (page * 0x9E3779B97F4A7C15L)
                ^ (generation * 0xC2B2AE3D27D4EB4FL)).nextLong();
        for (long i = start; dst.remaining() >= Long.BYTES; i++) {
            long z = i * 0x9E3779B97F4A7C15L;
            dst.putLong(z ^ (z >>> 29));
        }
    }
}

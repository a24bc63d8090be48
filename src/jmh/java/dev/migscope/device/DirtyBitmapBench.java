package dev.migscope.device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counting the dirty pages of one DMA_LOGGING_REPORT over a 64 MiB bitmap (2^29 pages of 4 KiB,
 * 2 TiB of IOVA). The bitmap holds the same words as benchmarks/c/popcount.c fills (xorshift64*
 * from the same seed), so the two counts must agree; the C loop is the baseline run beside it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class DirtyBitmapBench {

    /** 64 MiB of u64 words. */
    static final int WORDS = 64 * 1024 * 1024 / 8;
    static final long PAGE = 4096;

    DirtyBitmap bitmap;
    LongBuffer direct;

    @Setup
    public void fill() {
        long[] words = fillWords(WORDS);
        bitmap = new DirtyBitmap(0, (long) WORDS * 64 * PAGE, PAGE, words);
        direct = ByteBuffer.allocateDirect(WORDS * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
        direct.put(words).flip();
        System.out.println("# dirty pages: " + bitmap.dirtyPages());
    }

    /** xorshift64* (Vigna), the generator popcount.c uses, so both sides count the same bits. */
    static long[] fillWords(int n) {
        long[] w = new long[n];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < n; i++) {
            x ^= x >>> 12;
            x ^= x << 25;
            x ^= x >>> 27;
            w[i] = x * 0x2545F4914F6CDD1DL;
        }
        return w;
    }

    /** What MigrationSession's sampler calls on every report. */
    @Benchmark
    public long dirtyPages() {
        return bitmap.dirtyPages();
    }

    /** Variant: the words left in native memory (a direct LongBuffer), as the ioctl filled them. */
    @Benchmark
    public long longBuffer() {
        LongBuffer b = direct;
        long n = 0;
        for (int i = 0, end = b.limit(); i < end; i++) {
            n += Long.bitCount(b.get(i));
        }
        return n;
    }

    /** Variant: four independent sums, so the adds do not wait on one another. */
    @Benchmark
    public long unrolled4() {
        long[] w = bitmap.words();
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        int i = 0;
        for (int end = w.length - 3; i < end; i += 4) {
            a += Long.bitCount(w[i]);
            b += Long.bitCount(w[i + 1]);
            c += Long.bitCount(w[i + 2]);
            d += Long.bitCount(w[i + 3]);
        }
        for (; i < w.length; i++) {
            a += Long.bitCount(w[i]);
        }
        return a + b + c + d;
    }
}

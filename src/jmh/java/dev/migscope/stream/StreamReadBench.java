package dev.migscope.stream;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a QEMU stream file N times in one JVM and prints one "bytes=B seconds=S" line a pass
 * (benchmarks/run.sh stream): the first pass is the cold start, the others the reader warm.
 * Fails if a pass does not read the stream whole.
 */
public final class StreamReadBench {

    private StreamReadBench() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int passes = Integer.parseInt(args[1]);
        long size = Files.size(file);
        for (int i = 0; i < passes; i++) {
            long t0 = System.nanoTime();
            QemuStreamFile.Read r = QemuStreamFile.read(file, null);
            double s = (System.nanoTime() - t0) / 1e9;
            if (!r.summary().complete() || r.summary().failure().isPresent()) {
                throw new IllegalStateException(file + " was not read whole: " + r.summary().failure());
            }
            System.out.printf("bytes=%d seconds=%.6f%n", size, s);
        }
    }
}

package dev.migscope.session;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Memory after one hour of sampling at 20 Hz, in compressed time: a session on a simulated mlx5
 * (in PRE_COPY-capable RUNNING) whose clock moves 50 ms each time the session reads it, the
 * simulator living on the same {@link ManualClock}. The sampler is scheduled every 100 us of wall
 * time, so 72,000 samples take seconds. Prints VmRSS (from /proc/self/status) every 3,600
 * samples (3 minutes of session time) and at the end.
 * Usage: MemoryBench [SAMPLES]
 */
public final class MemoryBench {

    private MemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 72_000;
        ManualClock clock = new ManualClock();
        long step = Duration.ofMillis(50).toNanos();
        DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(clock)), true);
        SessionOptions options = SessionOptions.defaults()
                .withSampleInterval(Duration.ofNanos(100_000))
                .withClock(() -> {
                    clock.sleepNanos(step);
                    return clock.nanoTime();
                });
        System.out.printf("history capacity=%d rss_kb_before_open=%d%n", options.historyCapacity(), rssKb());
        long t0 = System.nanoTime();
        try (MigrationSession s = MigrationSession.open(registry, "sim:mlx5-0", options)) {
            if (s.state() != MigState.RUNNING) {
                throw new IllegalStateException("expected RUNNING, was " + s.state());
            }
            long next = 0;
            while (true) {
                long v = s.telemetry().version();
                if (v >= next) {
                    System.out.printf("samples=%d session_minutes=%.1f rss_kb=%d heap_used_kb=%d%n", v,
                            v * 0.05 / 60, rssKb(), usedHeapKb());
                    next += 3_600;
                }
                if (v >= samples) {
                    break;
                }
                Thread.sleep(20);
            }
            System.out.printf("done samples=%d wall_s=%.1f telemetry_size=%d rss_kb=%d%n", s.telemetry().version(),
                    (System.nanoTime() - t0) / 1e9, s.telemetry().size(), rssKb());
        }
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    static long usedHeapKb() {
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) / 1024;
    }
}

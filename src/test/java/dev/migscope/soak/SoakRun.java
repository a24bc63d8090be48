package dev.migscope.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.view.TransitionResult;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.view.Cancellation;
import dev.migscope.session.MigrationSession;
import dev.migscope.view.Progress;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import dev.migscope.session.TransitionMode;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimProfile;
import dev.migscope.telemetry.Metric;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak (not part of {@code ./mvnw verify}; run it with {@code reliability/soak.sh}): four
 * simulated devices, one of each feature set, held open for one hour of simulated time on a
 * {@link ManualClock}: an operation every 20 ms of device time (transitions, saves and resumes,
 * injected faults, resets; ERROR and an empty RESUMING are reset at once), the samplers running on
 * the wall clock every ms with a history that wraps many times, and a reader taking chart
 * snapshots of every session's telemetry as the UI's animation tick does. Every five simulated
 * minutes it reports resident memory, heap after a full GC and the thread count; at the end the
 * heap and the threads must be back within bounds of the early figures.
 */
class SoakRun {

    static final Duration SIMULATED = Duration.ofHours(1);
    static final Duration STEP = Duration.ofMillis(20);

    @TempDir
    Path dir;

    @Test
    void oneHourOfCompressedTime() throws Exception {
        ManualClock clock = new ManualClock();
        long page = SimProfile.PAGE_BYTES;
        long mib = 1 << 20;
        Map<String, SimProfile> devices = new LinkedHashMap<>();
        devices.put("sim:soak-sc", new SimProfile("soak_sc", MigFeatures.STOP_COPY_ONLY, "migscope", "soak",
                8 * page, 0, 4 * mib, 256 * mib, false, 0));
        devices.put("sim:soak-p2p", new SimProfile("soak_p2p", MigFeatures.parse("stop-copy,p2p"), "migscope",
                "soak", 8 * page, 0, 4 * mib, 256 * mib, true, 500));
        devices.put("sim:soak-pre", new SimProfile("soak_pre", MigFeatures.parse("stop-copy,pre-copy"), "migscope",
                "soak", 8 * page, 4 * page, 4 * mib, 256 * mib, false, 0));
        devices.put("sim:soak-all", new SimProfile("soak_all", MigFeatures.ALL, "migscope", "soak", 8 * page,
                4 * page, 4 * mib, 256 * mib, true, 500));
        DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(clock, devices)), true);
        // History of 2,000 samples at 1 ms of wall time: every ring wraps many times during the run.
        SessionOptions o = new SessionOptions(Duration.ofMillis(1), 2_000, SessionOptions.DEFAULT_LINK_BANDWIDTH,
                true, TransitionMode.STEPWISE, Duration.ofSeconds(5), 1 << 20, clock::nanoTime);
        List<MigrationSession> sessions = new ArrayList<>();
        for (String id : devices.keySet()) {
            sessions.add(MigrationSession.open(registry, id, o));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong snapshots = new AtomicLong();
        Thread charts = new Thread(() -> {
            while (running.get()) {
                for (MigrationSession s : sessions) {
                    long since = clock.nanoTime() - s.startNanos() - TimeUnit.MINUTES.toNanos(5);
                    s.telemetry().snapshot(since, Metric.STATE, Metric.TOTAL_BYTES, Metric.DIRTY_BYTES,
                            Metric.STOP_COPY_LENGTH);
                    snapshots.incrementAndGet();
                }
                try {
                    Thread.sleep(16);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "soak-charts");
        charts.start();

        SplittableRandom rnd = new SplittableRandom(7);
        long transitions = 0;
        long saves = 0;
        long resumes = 0;
        long faults = 0;
        long resets = 0;
        long streamFailures = 0;
        long refused = 0;
        long failures = 0;
        long errorResets = 0;
        List<String> report = new ArrayList<>();
        List<long[]> figures = new ArrayList<>();
        long wall0 = System.nanoTime();
        report.add(String.format("%8s %10s %12s %14s %8s %10s %10s", "sim min", "wall s", "RSS KiB",
                "heap-after-GC", "threads", "ops", "samples"));
        long steps = SIMULATED.toNanos() / STEP.toNanos();
        long ops = 0;
        for (long i = 1; i <= steps; i++) {
            clock.advance(STEP);
            MigrationSession s = sessions.get(rnd.nextInt(sessions.size()));
            int x = rnd.nextInt(1000);
            if (x < 800) {
                MigState target = MigState.values()[rnd.nextInt(MigState.values().length)];
                TransitionResult r = s.transition(target).get(30, TimeUnit.SECONDS);
                if (r.refusal() != null) {
                    refused++;
                } else if (!r.ok()) {
                    failures++;
                }
                transitions++;
            } else if (x < 830) {
                assertThat(s.reset().get(30, TimeUnit.SECONDS).ok()).isTrue();
                resets++;
            } else if (x < 835) {
                Path file = dir.resolve(s.id().replace(':', '_') + ".mig");
                StreamResult r = s.save(file, MigState.RUNNING, Progress.NONE, new Cancellation())
                        .get(30, TimeUnit.SECONDS);
                saves++;
                if (r.ok()) {
                    StreamResult back = s.resume(file, MigState.RUNNING, Progress.NONE, new Cancellation())
                            .get(30, TimeUnit.SECONDS);
                    resumes++;
                    if (!back.ok()) {
                        streamFailures++;
                    }
                } else {
                    streamFailures++;
                }
                Files.deleteIfExists(file);
            } else if (x < 845) {
                List<Arc> arcs = new ArrayList<>(MigrationFsm.directArcs(s.features()));
                Arc arc = arcs.get(rnd.nextInt(arcs.size()));
                boolean error = rnd.nextInt(4) == 0;
                s.simulate(c -> c.injectFault(arc, Errno.EIO, error)).get(30, TimeUnit.SECONDS);
                faults++;
            }
            if (s.state() == MigState.ERROR || s.state() == MigState.RESUMING) {
                // What a user does, and QEMU: only a reset leaves ERROR, and a RESUMING session given no
                // stream refuses RESUMING -> STOP (EINVAL) until it is reset.
                assertThat(s.reset().get(30, TimeUnit.SECONDS).ok()).isTrue();
                errorResets++;
            }
            ops++;
            if (i % (TimeUnit.MINUTES.toNanos(5) / STEP.toNanos()) == 0) {
                long[] f = measure();
                figures.add(f);
                int samples = sessions.stream().mapToInt(q -> q.telemetry().size()).sum();
                report.add(String.format("%8d %10.1f %12d %14d %8d %10d %10d", clock.nanoTime() / 60_000_000_000L,
                        (System.nanoTime() - wall0) / 1e9, f[0], f[1] / 1024, f[2], ops, samples));
            }
        }
        running.set(false);
        charts.join();
        for (MigrationSession s : sessions) {
            assertThat(s.isGone()).isFalse();
            assertThat(s.telemetry().size()).isLessThanOrEqualTo(s.telemetry().capacity());
            s.close();
        }
        report.add(String.format("totals: %d steps of %d ms simulated: %d transitions (%d refused by the fsm, "
                + "%d failed with an errno), %d resets (+%d out of ERROR or an empty RESUMING), %d saves, %d resumes, %d faults "
                + "injected, %d failed saves or resumes; %d chart snapshots; heap column in KiB", ops,
                STEP.toMillis(), transitions, refused, failures, resets, errorResets, saves, resumes, faults,
                streamFailures, snapshots.get()));
        write(report);
        long[] early = figures.get(1);
        long[] last = figures.get(figures.size() - 1);
        // Bounded: after ten simulated minutes nothing may keep growing with session length.
        assertThat(last[1]).as("heap after GC").isLessThan(early[1] * 2 + (32L << 20));
        assertThat(last[2]).as("threads").isLessThanOrEqualTo(early[2] + 2);
    }

    /** RSS in KiB (VmRSS), heap used after a full GC in bytes, live threads. */
    private static long[] measure() throws IOException {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(-1);
        return new long[] {rss, heap, ManagementFactory.getThreadMXBean().getThreadCount()};
    }

    private static void write(List<String> report) throws IOException {
        report.forEach(System.out::println);
        Path out = Path.of("target/soak-report.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }
}

package dev.migscope.session;

import dev.migscope.device.MigrationFile;
import dev.migscope.view.StreamResult;
import dev.migscope.view.Progress;
import dev.migscope.view.Cancellation;
import dev.migscope.view.DeviceEvent;

import static dev.migscope.fsm.MigState.ERROR;
import static dev.migscope.fsm.MigState.PRE_COPY;
import static dev.migscope.fsm.MigState.PRE_COPY_P2P;
import static dev.migscope.fsm.MigState.RESUMING;
import static dev.migscope.fsm.MigState.RUNNING;
import static dev.migscope.fsm.MigState.RUNNING_P2P;
import static dev.migscope.fsm.MigState.STOP;
import static dev.migscope.fsm.MigState.STOP_COPY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.SimulationControls;
import dev.migscope.view.TransitionResult;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.fsm.Refusal;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.TelemetrySnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sessions on the real simulator ({@link SimBackend} on a {@link ManualClock}: a 48 MiB save costs
 * no wall time). Every device call the session makes is counted through {@link CountingBackend}.
 */
class SessionOnSimTest {

    /** One device per feature set: {STOP_COPY}, {+P2P}, {+PRE_COPY}, {+P2P+PRE_COPY}. */
    static final List<String> ONE_PER_FEATURE_SET = List.of("sim:stopcopy-0", "sim:pds-0", "sim:hisi-0",
            "sim:mlx5-0");

    private static final List<MigState> TOUR = List.of(STOP_COPY, RUNNING, PRE_COPY, STOP, RESUMING, RUNNING_P2P,
            PRE_COPY_P2P, STOP, PRE_COPY, STOP_COPY, RESUMING, PRE_COPY_P2P, RUNNING, ERROR, STOP_COPY, STOP,
            RUNNING_P2P, RUNNING);

    final ManualClock simClock = new ManualClock();
    final CountingBackend sim = new CountingBackend(new SimBackend(simClock));
    final DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(sim), true);
    final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private final List<MigrationSession> sessions = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeSessions() {
        sessions.forEach(MigrationSession::close);
    }

    /** Samples every 50 ms of simulated time during saves and resumes; the timer tick is 50 ms of real time. */
    SessionOptions options() {
        return new SessionOptions(Duration.ofMillis(50), 10_000, SessionOptions.DEFAULT_LINK_BANDWIDTH, true,
                TransitionMode.STEPWISE, Duration.ofSeconds(10), 1 << 20, simClock::nanoTime);
    }

    MigrationSession open(String id, SessionOptions o) throws Exception {
        MigrationSession s = MigrationSession.open(registry, id, o);
        s.addListener(events::add);
        sessions.add(s);
        FakeHarness.join(s.refreshState());
        return s;
    }

    /** The device's state through a second path: the registry's listing, no GET on the session. */
    MigState listed(String id) {
        return registry.find(id).orElseThrow().state();
    }

    /** SimulationControls.stateDigest, read on the session's device thread like every other call. */
    static long digest(MigrationSession s) throws Exception {
        long[] digest = new long[1];
        FakeHarness.join(s.simulate(c -> digest[0] = c.stateDigest()));
        return digest[0];
    }

    static <T> T join(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return FakeHarness.join(f);
    }

    List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static Stream<Arguments> devicesAndModes() {
        return ONE_PER_FEATURE_SET.stream().flatMap(id -> Stream.of(TransitionMode.values())
                .map(m -> Arguments.of(id, m)));
    }

    // ------------------------------------------------------------------ transitions

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("devicesAndModes")
    void transitionsFollowTheKernelPathOnEveryFeatureSet(String id, TransitionMode mode) throws Exception {
        MigrationSession s = open(id, options().withMode(mode));
        MigFeatures f = s.features();
        for (MigState target : TOUR) {
            MigState from = listed(id);
            int sets = sim.calls("setState");
            MigPath path = MigrationFsm.path(f, from, target);
            TransitionResult r = join(s.transition(target));
            int setsMade = sim.calls("setState") - sets;
            assertThat(r.from()).isEqualTo(from);
            if (path.isRefused()) {
                assertThat(r.refusal()).isEqualTo(path.refusal());
                assertThat(r.steps()).isEmpty();
                assertThat(setsMade).isZero();
                assertThat(listed(id)).isEqualTo(from);
            } else if (from == RESUMING && target != RESUMING) {
                // Nothing was written: the driver refuses RESUMING -> STOP (EINVAL) and stays in RESUMING.
                assertThat(r.error().is(Errno.EINVAL)).isTrue();
                assertThat(r.finalState()).isEqualTo(RESUMING);
                assertThat(setsMade).isEqualTo(1);
                assertThat(join(s.reset()).ok()).isTrue();
                continue;
            } else if (mode == TransitionMode.STEPWISE) {
                assertThat(r.steps()).extracting(st -> new Arc(st.from(), st.to())).isEqualTo(path.arcs());
                assertThat(setsMade).isEqualTo(path.arcs().size());
            } else {
                assertThat(r.steps()).extracting(st -> new Arc(st.from(), st.to()))
                        .isEqualTo(from == target ? List.of() : List.of(new Arc(from, target)));
                assertThat(setsMade).isEqualTo(from == target ? 0 : 1);
            }
            if (!path.isRefused()) {
                assertThat(r.ok()).as(r.summary()).isTrue();
                assertThat(r.finalState()).isEqualTo(target);
            }
            assertThat(s.state()).isEqualTo(listed(id)).isEqualTo(r.finalState());
        }
    }

    @Test
    void refusalsMakeNoSet() throws Exception {
        MigrationSession only = open("sim:stopcopy-0", options());
        assertThat(join(only.transition(PRE_COPY)).refusal()).isEqualTo(Refusal.TARGET_NEEDS_FEATURE);
        assertThat(join(only.transition(PRE_COPY_P2P)).refusal()).isEqualTo(Refusal.TARGET_NEEDS_FEATURE);
        assertThat(join(only.transition(RUNNING_P2P)).refusal()).isEqualTo(Refusal.TARGET_NEEDS_FEATURE);
        assertThat(join(only.transition(ERROR)).refusal()).isEqualTo(Refusal.TARGET_IS_ERROR);
        assertThat(sim.calls("setState")).isZero();
        MigrationSession all = open("sim:mlx5-0", options());
        join(all.transition(STOP_COPY));
        int sets = sim.calls("setState");
        assertThat(join(all.transition(PRE_COPY)).refusal()).isEqualTo(Refusal.STOP_COPY_TO_PRE_COPY);
        assertThat(join(all.transition(PRE_COPY_P2P)).refusal()).isEqualTo(Refusal.STOP_COPY_TO_PRE_COPY);
        assertThat(sim.calls("setState")).isEqualTo(sets);
        assertThat(listed("sim:mlx5-0")).isEqualTo(STOP_COPY);
    }

    @Test
    void aDisarmedSessionRefusesEveryChange() throws Exception {
        MigrationSession armed = open("sim:mlx5-1", options());
        Path file = dir.resolve("good.mig");
        assertThat(join(armed.save(file, RUNNING, Progress.NONE, new Cancellation())).ok()).isTrue();
        int changes = sim.changes();

        MigrationSession s = open("sim:mlx5-0", options().withArmed(false));
        long digest = digest(s);
        for (MigState target : MigState.values()) {
            assertThat(join(s.transition(target)).error().is(Errno.EPERM)).isTrue();
        }
        assertThat(join(s.reset()).error().is(Errno.EPERM)).isTrue();
        assertThat(join(s.save(dir.resolve("x.mig"), null, Progress.NONE, new Cancellation())).error()
                .is(Errno.EPERM)).isTrue();
        assertThat(join(s.resume(file, RUNNING, Progress.NONE, new Cancellation())).error().is(Errno.EPERM))
                .isTrue();
        assertThat(join(s.startDmaLogging(4096, List.of(new IovaRange(0, 1 << 20)))).orElseThrow()
                .is(Errno.EPERM)).isTrue();
        assertThat(sim.changes()).isEqualTo(changes);
        assertThat(listed("sim:mlx5-0")).isEqualTo(RUNNING);
        assertThat(digest(s)).isEqualTo(digest);
        assertThat(files()).containsExactly(file);
    }

    // ------------------------------------------------------------------ save and resume

    @ParameterizedTest
    @MethodSource("dev.migscope.session.SessionOnSimTest#modes")
    void saveOnMlx5ZeroResumesIntoMlx5OneWithAnEqualDigest(TransitionMode mode) throws Exception {
        MigrationSession src = open("sim:mlx5-0", options().withMode(mode));
        MigrationSession dst = open("sim:mlx5-1", options().withMode(mode));
        assertThat(digest(src)).isNotEqualTo(digest(dst));
        Path file = dir.resolve("mlx5.mig");

        StreamResult saved = join(src.save(file, null, Progress.NONE, new Cancellation()));
        assertThat(saved.ok()).as(String.valueOf(saved.error())).isTrue();
        assertThat(saved.bytesByPhase()).extracting(StreamResult.PhaseBytes::phase).containsExactly(PRE_COPY,
                STOP_COPY);
        assertThat(saved.bytesByPhase()).allMatch(p -> p.bytes() > 0);
        assertThat(listed("sim:mlx5-0")).isEqualTo(STOP);
        MigrationFile.Verified v = MigrationFile.verify(file);
        assertThat(v.dataLength()).isEqualTo(saved.totalBytes());
        assertThat(v.source().driver()).isEqualTo("sim_mlx5");

        StreamResult resumed = join(dst.resume(file, STOP, Progress.NONE, new Cancellation()));
        assertThat(resumed.ok()).as(String.valueOf(resumed.error())).isTrue();
        assertThat(listed("sim:mlx5-1")).isEqualTo(STOP);
        assertThat(digest(dst)).isEqualTo(digest(src));
        assertThat(join(dst.transition(RUNNING)).ok()).isTrue();
        assertThat(files()).containsExactly(file);
    }

    static Stream<TransitionMode> modes() {
        return Stream.of(TransitionMode.values());
    }

    @ParameterizedTest
    @MethodSource("dev.migscope.session.SessionOnSimTest#oneIdPerFeatureSet")
    void aDeviceResumedFromItsOwnSaveGetsItsStateBack(String id) throws Exception {
        MigrationSession s = open(id, options());
        Path file = dir.resolve("self.mig");
        StreamResult saved = join(s.save(file, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(saved.ok()).as(String.valueOf(saved.error())).isTrue();
        assertThat(saved.bytesByPhase()).extracting(StreamResult.PhaseBytes::phase).containsExactlyElementsOf(
                s.features().has(MigFeature.PRE_COPY) ? List.of(PRE_COPY, STOP_COPY) : List.of(STOP_COPY));
        assertThat(listed(id)).isEqualTo(RUNNING);
        long atSave = digest(s);
        simClock.advance(Duration.ofSeconds(2)); // running: its workload dirties the state
        long later = digest(s);
        assertThat(later).isNotEqualTo(atSave);
        StreamResult resumed = join(s.resume(file, STOP, Progress.NONE, new Cancellation()));
        assertThat(resumed.ok()).as(String.valueOf(resumed.error())).isTrue();
        assertThat(digest(s)).isEqualTo(atSave);
    }

    static Stream<String> oneIdPerFeatureSet() {
        return ONE_PER_FEATURE_SET.stream();
    }

    @ParameterizedTest
    @MethodSource("dev.migscope.session.SessionOnSimTest#cancelPoints")
    void cancellingASaveLeavesNoFileAndTheDeviceRunning(String id, String phase) throws Exception {
        MigrationSession s = open(id, options());
        Cancellation c = new Cancellation();
        Progress cancelIn = (p, bytes, estimate) -> {
            if (p.equals(phase)) {
                c.cancel();
            }
        };
        StreamResult r = join(s.save(dir.resolve("cancel.mig"), null, cancelIn, c));
        assertThat(r.cancelled()).isTrue();
        assertThat(r.error().is(Errno.ECANCELED)).isTrue();
        assertThat(files()).isEmpty();
        assertThat(listed(id)).isEqualTo(RUNNING);
        assertThat(s.state()).isEqualTo(RUNNING);
        // The device is usable again: a full save works.
        assertThat(join(s.save(dir.resolve("again.mig"), RUNNING, Progress.NONE, new Cancellation())).ok()).isTrue();
    }

    @Test
    void closingDuringASaveCancelsItAndLeavesNoFile() throws Exception {
        MigrationSession s = open("sim:mlx5-0", options());
        java.util.concurrent.CountDownLatch saving = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        Progress holdUntilClosed = (p, bytes, estimate) -> {
            saving.countDown();
            try {
                closed.await(); // the save cannot finish before close() has asked it to stop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        java.util.concurrent.CompletableFuture<StreamResult> f =
                s.save(dir.resolve("closed.mig"), null, holdUntilClosed, new Cancellation());
        saving.await();
        Thread closer = new Thread(s::close);
        closer.start();
        while (!s.isClosing()) {
            Thread.onSpinWait();
        }
        closed.countDown();
        closer.join();
        StreamResult r = join(f);
        assertThat(r.cancelled()).isTrue();
        assertThat(files()).isEmpty();
        assertThat(listed("sim:mlx5-0")).isEqualTo(RUNNING);
    }

    static Stream<Arguments> cancelPoints() {
        return Stream.of(Arguments.of("sim:mlx5-0", "PRE_COPY"), Arguments.of("sim:mlx5-0", "STOP_COPY"),
                Arguments.of("sim:hisi-0", "PRE_COPY"), Arguments.of("sim:pds-0", "STOP_COPY"),
                Arguments.of("sim:stopcopy-0", "STOP_COPY"));
    }

    @Test
    void resumingARefusedFileLeavesTheDeviceUntouched() throws Exception {
        MigrationSession hisi = open("sim:hisi-0", options());
        Path foreign = dir.resolve("hisi.mig");
        assertThat(join(hisi.save(foreign, RUNNING, Progress.NONE, new Cancellation())).ok()).isTrue();
        MigrationSession src = open("sim:mlx5-1", options());
        Path good = dir.resolve("mlx5.mig");
        assertThat(join(src.save(good, RUNNING, Progress.NONE, new Cancellation())).ok()).isTrue();
        byte[] bytes = Files.readAllBytes(good);
        Path corrupt = dir.resolve("corrupt.mig");
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(corrupt, bytes);
        Path truncated = dir.resolve("truncated.mig");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 100));

        MigrationSession s = open("sim:mlx5-0", options());
        join(s.transition(PRE_COPY));
        long digest = digest(s);
        int changes = sim.changes();
        for (Path p : List.of(foreign, corrupt, truncated)) {
            StreamResult r = join(s.resume(p, RUNNING, Progress.NONE, new Cancellation()));
            assertThat(r.ok()).isFalse();
            assertThat(r.error().message()).contains("not touched");
            assertThat(r.transitions()).isEmpty();
        }
        assertThat(sim.changes()).isEqualTo(changes);
        assertThat(listed("sim:mlx5-0")).isEqualTo(PRE_COPY);
        assertThat(digest(s)).isEqualTo(digest);
    }

    @Test
    void aStreamTheSimulatorRejectsLeavesResumingAndTheNextGoodResumeWorks() throws Exception {
        MigrationSession src = open("sim:mlx5-1", options());
        Path good = dir.resolve("good.mig");
        assertThat(join(src.save(good, null, Progress.NONE, new Cancellation())).ok()).isTrue();
        Path garbage = dir.resolve("garbage.mig");
        try (MigrationFile.Writer w = new MigrationFile.Writer(garbage, new MigrationFile.Source("sim_mlx5",
                "sim:mlx5-1", "", "", MigFeatures.ALL), List.of(STOP_COPY), MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(STOP_COPY);
            w.write(ByteBuffer.wrap(FakeHarness.content(100_000, 5)));
            w.commit();
        }
        MigrationSession s = open("sim:mlx5-0", options());
        StreamResult r = join(s.resume(garbage, RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(r.error().is(Errno.EINVAL)).isTrue();
        assertThat(r.finalState()).isEqualTo(RESUMING);
        assertThat(listed("sim:mlx5-0")).isEqualTo(RESUMING);

        StreamResult again = join(s.resume(good, STOP, Progress.NONE, new Cancellation()));
        assertThat(again.ok()).as(String.valueOf(again.error())).isTrue();
        assertThat(digest(s)).isEqualTo(digest(src));
    }

    @Test
    void aNonConvergingSaveSwitchesOverAtItsPreCopyLimitInSessionTime() throws Exception {
        MigrationSession s = open("sim:nonconv-0", options().withPrecopy(Duration.ofMillis(300), 1 << 20));
        MigrationSession dst = open("sim:mlx5-1", options());
        Path file = dir.resolve("nonconv.mig");
        StreamResult r = join(s.save(file, null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        // The link carries 100 MiB/s: 300 ms of PRE_COPY is about 30 MiB, however fast the host reads.
        assertThat(r.bytesByPhase().get(0).bytes()).isBetween(1L << 20, 34L << 20);
        assertThat(join(dst.resume(file, STOP, Progress.NONE, new Cancellation())).ok()).isTrue();
        assertThat(digest(dst)).isEqualTo(digest(s));
    }

    // ------------------------------------------------------------------ telemetry

    @Test
    void telemetryMovesWhileASaveRuns() throws Exception {
        MigrationSession s = open("sim:mlx5-0", options().withSampleInterval(Duration.ofMillis(10)));
        long before = s.telemetry().version();
        StreamResult r = join(s.save(dir.resolve("t.mig"), RUNNING, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isTrue();
        TelemetrySnapshot t = s.telemetry().snapshot(Long.MIN_VALUE, Metric.values());
        assertThat(t.version() - before).isGreaterThan(5);
        double[] state = t.values(Metric.STATE);
        boolean pre = false;
        boolean stop = false;
        boolean initialFell = false;
        boolean dirtyRate = false;
        for (int i = 1; i < t.size(); i++) {
            pre |= state[i] == PRE_COPY.abi() && t.values(Metric.PRE_COPY_THROUGHPUT)[i] > 0;
            stop |= state[i] == STOP_COPY.abi() && t.values(Metric.STOP_COPY_THROUGHPUT)[i] > 0;
            initialFell |= state[i] == PRE_COPY.abi() && state[i - 1] == PRE_COPY.abi()
                    && t.values(Metric.INITIAL_BYTES)[i] < t.values(Metric.INITIAL_BYTES)[i - 1];
            dirtyRate |= t.values(Metric.DIRTY_RATE)[i] > 0;
            assertThat(t.values(Metric.TOTAL_BYTES)[i]).isGreaterThanOrEqualTo(t.values(Metric.TOTAL_BYTES)[i - 1]);
        }
        assertThat(pre).as("PRE_COPY throughput").isTrue();
        assertThat(stop).as("STOP_COPY throughput").isTrue();
        assertThat(initialFell).as("initial_bytes falls").isTrue();
        assertThat(dirtyRate).as("a dirty rate").isTrue();
    }

    @Test
    void telemetryMovesWhileASaveRunsOnTheWallClockAsInTheApp() throws Exception {
        // The app's configuration: simulator and session on real time. The link makes the save last
        // at least (24 MiB + pre-copy) / 150 MiB/s, about 0.2 s: twenty 10 ms sample periods.
        DeviceRegistry real = new DeviceRegistry(List.of(),
                List.of(new SimBackend(dev.migscope.sim.SimClock.system())), true);
        try (MigrationSession s = MigrationSession.open(real, "sim:hisi-0", SessionOptions.defaults()
                .withArmed(true).withSampleInterval(Duration.ofMillis(10)))) {
            FakeHarness.join(s.refreshState());
            long before = s.telemetry().version();
            long[] during = new long[2];
            Progress watch = (phase, bytes, estimate) -> during[phase.equals("PRE_COPY") ? 0 : 1] =
                    s.telemetry().version();
            StreamResult r = FakeHarness.join(s.save(dir.resolve("wall.mig"), RUNNING, watch, new Cancellation()));
            assertThat(r.ok()).isTrue();
            assertThat(during[0]).as("samples taken during PRE_COPY").isGreaterThan(before);
            assertThat(during[1]).as("samples taken during STOP_COPY").isGreaterThan(during[0]);
        }
    }

    // ------------------------------------------------------------------ faults and unplug

    @Test
    void aFaultIntoErrorIsSeenAndOnlyResetRecovers() throws Exception {
        MigrationSession s = open("sim:mlx5-0", options());
        join(s.simulate(c -> c.injectFault(new Arc(RUNNING_P2P, STOP), Errno.EIO, true)));
        TransitionResult r = join(s.transition(STOP_COPY));
        assertThat(r.error().is(Errno.EIO)).isTrue();
        assertThat(r.finalState()).isEqualTo(ERROR);
        assertThat(listed("sim:mlx5-0")).isEqualTo(ERROR);
        int sets = sim.calls("setState");
        for (MigState target : MigState.values()) {
            assertThat(join(s.transition(target)).refusal()).isEqualTo(Refusal.FROM_ERROR);
        }
        assertThat(sim.calls("setState")).isEqualTo(sets);
        TransitionResult reset = join(s.reset());
        assertThat(reset.ok()).isTrue();
        assertThat(listed("sim:mlx5-0")).isEqualTo(RUNNING).isEqualTo(s.state());
        assertThat(join(s.transition(STOP_COPY)).ok()).isTrue();
    }

    @Test
    void aFaultThatLeavesTheDeviceMidPathIsReReadInKernelMode() throws Exception {
        MigrationSession s = open("sim:pds-0", options().withMode(TransitionMode.KERNEL));
        join(s.simulate(c -> c.injectFault(new Arc(STOP, STOP_COPY), Errno.EBUSY, false)));
        TransitionResult r = join(s.transition(STOP_COPY));
        assertThat(r.error().is(Errno.EBUSY)).isTrue();
        assertThat(r.steps()).hasSize(1);
        assertThat(r.finalState()).isEqualTo(STOP);
        assertThat(s.state()).isEqualTo(STOP).isEqualTo(listed("sim:pds-0"));
    }

    @Test
    void anUnplugMarksTheSessionGoneOnceAndStopsSampling() throws Exception {
        MigrationSession s = open("sim:hisi-0", options().withSampleInterval(Duration.ofMillis(10)));
        FakeHarness.awaitTrue(() -> s.telemetry().version() >= 3, "the sampler runs");
        join(s.simulate(SimulationControls::unplug));
        FakeHarness.awaitTrue(s::isGone, "the session notices the unplug");
        int gets = sim.calls("getState");
        long version = s.telemetry().version();
        Thread.sleep(200); // twenty sample periods
        assertThat(sim.calls("getState")).isEqualTo(gets);
        assertThat(s.telemetry().version()).isEqualTo(version);
        int changes = sim.changes();
        assertThat(join(s.transition(STOP)).error().is(Errno.ENODEV)).isTrue();
        assertThat(join(s.reset()).error().is(Errno.ENODEV)).isTrue();
        assertThat(sim.changes()).isEqualTo(changes);
        assertThat(events.stream().filter(e -> e.kind() == DeviceEvent.Kind.DEVICE_GONE)).hasSize(1);
        assertThat(registry.find("sim:hisi-0")).isEmpty();
    }
}

package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.view.TransitionResult;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.view.Cancellation;
import dev.migscope.session.MigrationSession;
import dev.migscope.view.Progress;
import dev.migscope.view.DeviceEvent;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.StreamResult;
import dev.migscope.session.TransitionMode;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimProfile;
import dev.migscope.sim.SimSession;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The fault campaign: 10,000 seeded operations over simulated devices of all four feature sets
 * (transitions to any state, resets, saves, resumes, DMA logging, injected errnos that leave the
 * device where it was or in ERROR, random faults from the simulator, time passing). After every
 * operation three views must agree: the session's state, what {@code migscope state DEV} prints
 * (the CLI run through picocli against the same registry, reading the held device passively), and
 * the device's real state (the simulator's listing, which makes no call through the session).
 * Every future completes normally: an exception anywhere fails the campaign. ERROR is left only by
 * a reset, and a reset always leaves it.
 */
class FaultCampaignTest {

    static final int OPERATIONS = 10_000;
    static final long SEED = 0x5EEDL;

    /** Tiny devices (one or two 64 KiB pages) so that thousands of saves and resumes cost little. */
    static Map<String, SimProfile> tinyDevices() {
        long page = SimProfile.PAGE_BYTES;
        long mib = 1 << 20;
        Map<String, SimProfile> m = new LinkedHashMap<>();
        m.put("sim:tiny-stopcopy", new SimProfile("sim_tiny_sc", MigFeatures.STOP_COPY_ONLY, "migscope", "tiny",
                2 * page, 0, mib, 1024 * mib, false, 0));
        m.put("sim:tiny-p2p", new SimProfile("sim_tiny_p2p", MigFeatures.parse("stop-copy,p2p"), "migscope", "tiny",
                2 * page, 0, mib, 1024 * mib, true, 100));
        m.put("sim:tiny-precopy", new SimProfile("sim_tiny_pre", MigFeatures.parse("stop-copy,pre-copy"), "migscope",
                "tiny", 2 * page, page, mib, 1024 * mib, false, 0));
        m.put("sim:tiny-all", new SimProfile("sim_tiny_all", MigFeatures.ALL, "migscope", "tiny", 2 * page, page,
                mib, 1024 * mib, true, 100));
        return m;
    }

    enum Op { GO, RESET, SAVE, RESUME, FAULT, RANDOM_FAULTS, DMA, TIME }

    private static final Errno[] ERRNOS = {Errno.EIO, Errno.EBUSY, Errno.ENOMEM, Errno.EINVAL, Errno.ETIMEDOUT,
        Errno.ENODEV, Errno.EAGAIN};

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final DeviceRegistry registry = new DeviceRegistry(List.of(),
            List.of(new SimBackend(clock, tinyDevices())), true);
    final StringWriter cliOut = new StringWriter();
    final StringWriter cliErr = new StringWriter();
    final CommandLine cli = MigscopeCli.commandLine(sim -> registry, false);

    final Map<Op, Integer> tried = new EnumMap<>(Op.class);
    int injected;
    int errorEntered;
    int resetsFromError;
    int savesOk;
    int resumesOk;
    int cliRuns;

    @Test
    void tenThousandOperationsNeverLetTheSessionTheCliAndTheDeviceDisagree() throws Exception {
        cli.setOut(new PrintWriter(cliOut, true));
        cli.setErr(new PrintWriter(cliErr, true));
        List<String> ids = new ArrayList<>(tinyDevices().keySet());
        List<DeviceEvent> events = new CopyOnWriteArrayList<>();
        for (int d = 0; d < ids.size(); d++) {
            String id = ids.get(d);
            SessionOptions o = new SessionOptions(Duration.ofHours(1), 1000, SessionOptions.DEFAULT_LINK_BANDWIDTH,
                    true, d % 2 == 0 ? TransitionMode.STEPWISE : TransitionMode.KERNEL, Duration.ofSeconds(1),
                    1 << 20, clock::nanoTime);
            try (MigrationSession s = MigrationSession.open(registry, id, o)) {
                s.addListener(events::add);
                campaign(s, new SplittableRandom(SEED + d), OPERATIONS / ids.size());
            }
        }
        long randomFaults = events.stream().filter(e -> e.kind() == DeviceEvent.Kind.STEP && e.error() != null
                && e.error().message().contains("random fault")).count();
        long injectedFired = events.stream().filter(e -> e.kind() == DeviceEvent.Kind.STEP && e.error() != null
                && e.error().message().contains("injected fault")).count();
        System.out.printf("fault campaign: %d operations %s; faults injected %d (fired %d), random faults fired %d,"
                + " ERROR entered %d times and left by reset %d times; saves ok %d, resumes ok %d; CLI runs %d%n",
                OPERATIONS, tried, injected, injectedFired, randomFaults, errorEntered, resetsFromError, savesOk,
                resumesOk, cliRuns);
        assertThat(tried.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(OPERATIONS);
        // The campaign is only worth its name if the faults happened.
        assertThat(injectedFired).isPositive();
        assertThat(randomFaults).isPositive();
        assertThat(errorEntered).isPositive();
        assertThat(savesOk).isPositive();
        assertThat(resumesOk).isPositive();
    }

    private void campaign(MigrationSession s, SplittableRandom rnd, int n) throws Exception {
        String id = s.id();
        List<Arc> arcs = new ArrayList<>(MigrationFsm.directArcs(s.features()));
        Path lastSave = null;
        for (int i = 0; i < n; i++) {
            Op op = pick(rnd, lastSave != null);
            tried.merge(op, 1, Integer::sum);
            MigState before = real(id);
            MigState reported = null;
            String what = op.name();
            switch (op) {
                case GO -> {
                    MigState target = MigState.values()[rnd.nextInt(MigState.values().length)];
                    TransitionResult r = join(s.transition(target));
                    what = r.summary();
                    reported = r.finalState();
                    if (r.refusal() != null) {
                        assertThat(r.steps()).as(what).isEmpty();
                    } else if (r.error() == null) {
                        assertThat(r.finalState()).as(what).isEqualTo(target);
                    }
                }
                case RESET -> {
                    TransitionResult r = join(s.reset());
                    what = r.summary();
                    reported = r.finalState();
                    assertThat(r.ok()).as(what).isTrue();
                    if (before == MigState.ERROR) {
                        resetsFromError++;
                    }
                }
                case SAVE -> {
                    MigState[] thens = {null, MigState.RUNNING, MigState.STOP, MigState.RUNNING_P2P};
                    Path file = dir.resolve(id.replace(':', '_') + "-" + i + ".mig");
                    StreamResult r = join(s.save(file, thens[rnd.nextInt(thens.length)], Progress.NONE,
                            new Cancellation()));
                    what = "save " + (r.error() == null ? "ok" : r.error().describe());
                    reported = r.finalState();
                    if (r.error() == null || Files.exists(file)) {
                        // A failure after the file was complete (the final STOP or `then`) keeps the file.
                        assertThat(file).exists();
                    }
                    if (r.ok()) {
                        savesOk++;
                    }
                    if (Files.exists(file)) {
                        if (lastSave != null) {
                            Files.delete(lastSave);
                        }
                        lastSave = file;
                    }
                    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                        assertThat(files.filter(p -> p.getFileName().toString().endsWith(".part")))
                                .as("no partial file after " + what).isEmpty();
                    }
                }
                case RESUME -> {
                    MigState[] thens = {null, MigState.RUNNING, MigState.STOP};
                    StreamResult r = join(s.resume(lastSave, thens[rnd.nextInt(thens.length)], Progress.NONE,
                            new Cancellation()));
                    what = "resume " + (r.error() == null ? "ok" : r.error().describe());
                    reported = r.finalState();
                    if (r.ok()) {
                        resumesOk++;
                    }
                }
                case FAULT -> {
                    Arc arc = arcs.get(rnd.nextInt(arcs.size()));
                    Errno errno = ERRNOS[rnd.nextInt(ERRNOS.length)];
                    boolean leaveInError = rnd.nextInt(3) == 0;
                    join(s.simulate(c -> c.injectFault(arc, errno, leaveInError)));
                    injected++;
                    what = "inject " + errno + " on " + arc.id() + (leaveInError ? " leaving ERROR" : "");
                }
                case RANDOM_FAULTS -> {
                    long seed = rnd.nextLong();
                    double p = rnd.nextInt(2) == 0 ? 0 : 0.05 + rnd.nextDouble() * 0.3;
                    Errno errno = ERRNOS[rnd.nextInt(ERRNOS.length)];
                    join(s.simulate(c -> {
                        if (p == 0) {
                            c.clearFaults();
                        } else {
                            ((SimSession) c).randomFaults(seed, p, errno);
                        }
                    }));
                    what = "random faults p=" + p + " " + errno;
                }
                case DMA -> {
                    if (rnd.nextBoolean()) {
                        join(s.startDmaLogging(4096, List.of(new IovaRange(0, 1 << 20))));
                    } else {
                        join(s.stopDmaLogging());
                    }
                }
                case TIME -> clock.advance(Duration.ofMillis(1 + rnd.nextInt(5_000)));
                default -> throw new AssertionError(op);
            }
            MigState now = real(id);
            String where = "op " + i + " on " + id + " from " + before + ": " + what;
            if (reported != null) {
                assertThat(reported).as(where).isEqualTo(now);
            }
            assertThat(s.state()).as(where).isEqualTo(now);
            assertThat(cliState(id)).as(where).isEqualTo(now.name());
            assertThat(s.isGone()).as(where).isFalse();
            if (before == MigState.ERROR && op != Op.RESET) {
                assertThat(now).as("only a reset leaves ERROR; " + where).isEqualTo(MigState.ERROR);
            }
            if (before != MigState.ERROR && now == MigState.ERROR) {
                errorEntered++;
            }
        }
    }

    private static Op pick(SplittableRandom rnd, boolean haveFile) {
        int x = rnd.nextInt(100);
        if (x < 45) {
            return Op.GO;
        } else if (x < 53) {
            return Op.RESET;
        } else if (x < 60) {
            return Op.SAVE;
        } else if (x < 66) {
            return haveFile ? Op.RESUME : Op.SAVE;
        } else if (x < 80) {
            return Op.FAULT;
        } else if (x < 85) {
            return Op.RANDOM_FAULTS;
        } else if (x < 90) {
            return Op.DMA;
        }
        return Op.TIME;
    }

    private MigState real(String id) {
        return registry.find(id).orElseThrow().state();
    }

    /** {@code migscope state DEV}: the session holds the device, so the CLI reads it passively. */
    private String cliState(String id) {
        cliOut.getBuffer().setLength(0);
        cliErr.getBuffer().setLength(0);
        int code = cli.execute("state", id);
        cliRuns++;
        assertThat(code).as(cliErr.toString()).isEqualTo(ExitCode.OK);
        return cliOut.toString().trim();
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }
}

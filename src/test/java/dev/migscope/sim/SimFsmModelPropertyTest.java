package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.ArcEffect;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random operation sequences on a device of each feature set: after every operation the device is
 * where a model predicts, the model being MigrationFsm.nextStep applied step by step, with the
 * injected faults and the resume rule (RESUMING -> STOP loads only a complete stream).
 */
class SimFsmModelPropertyTest {

    private static final Map<MigFeatures, byte[]> SAVED = new ConcurrentHashMap<>();

    sealed interface Op permits SetOp, ResetOp, FaultOp, WriteSavedOp {
    }

    record SetOp(MigState target) implements Op {
    }

    record ResetOp() implements Op {
    }

    record FaultOp(Arc arc, boolean leaveInError) implements Op {
    }

    /** Writes a complete saved stream to the resuming data_fd, when there is a fresh one. */
    record WriteSavedOp() implements Op {
    }

    /** Four pages: the FSM does not care how big the state is, and the test stays fast. */
    private static SimBackend tinyBackend(MigFeatures features) {
        long page = SimProfile.PAGE_BYTES;
        SimProfile p = new SimProfile("sim_tiny", features, "migscope", "tiny test device", 4 * page,
                features.has(dev.migscope.fsm.MigFeature.PRE_COPY) ? 2 * page : 0, page, 100 * page, false, 0);
        return new SimBackend(new ManualClock(), Map.of("sim:tiny-0", p));
    }

    private static byte[] saved(MigFeatures features) {
        return SAVED.computeIfAbsent(features, f -> {
            try (SimSession s = Sims.open(tinyBackend(f), "sim:tiny-0")) {
                return Sims.saveByStopCopy(s);
            } catch (VfioException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Provide
    Arbitrary<MigFeatures> featureSets() {
        return Arbitraries.of(MigFeatures.VALID_SETS);
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> set = Arbitraries.of(MigState.class).map(SetOp::new);
        Arbitrary<Op> reset = Arbitraries.just(new ResetOp());
        Arbitrary<Op> fault = Combinators.combine(Arbitraries.of(List.copyOf(MigrationFsm.allArcs())),
                Arbitraries.of(true, false)).as(FaultOp::new);
        Arbitrary<Op> write = Arbitraries.just(new WriteSavedOp());
        return Arbitraries.frequencyOf(Tuple.of(8, set), Tuple.of(1, reset), Tuple.of(2, fault), Tuple.of(2, write))
                .list().ofMaxSize(40);
    }

    @Property(tries = 400)
    void stateFollowsTheModel(@ForAll("featureSets") MigFeatures features, @ForAll("ops") List<Op> ops)
            throws Exception {
        byte[] saved = saved(features);
        try (SimSession s = Sims.open(tinyBackend(features), "sim:tiny-0")) {
            MigState model = MigState.RUNNING;
            Map<Arc, Boolean> faults = new HashMap<>();
            MigrationStream resumeFd = null;
            boolean resumeWritten = false;
            for (Op op : ops) {
                if (op instanceof SetOp set) {
                    MigState target = set.target();
                    MigState cur = model;
                    Errno expectedErrno = null;
                    Arc last = null;
                    while (cur != target) {
                        MigPath step = MigrationFsm.nextStep(features, cur, target);
                        if (step.isRefused()) {
                            expectedErrno = Errno.EINVAL;
                            break;
                        }
                        Arc arc = new Arc(cur, step.states().get(1));
                        Boolean leaveInError = faults.remove(arc);
                        if (leaveInError != null) {
                            expectedErrno = Errno.EIO;
                            cur = leaveInError ? MigState.ERROR : cur;
                            break;
                        }
                        if (arc.effect() == ArcEffect.ENDS_RESUME && !resumeWritten) {
                            expectedErrno = Errno.EINVAL;
                            break;
                        }
                        cur = arc.to();
                        last = arc;
                    }
                    String what = op + " from " + model;
                    try {
                        Optional<MigrationStream> fd = s.setState(target);
                        assertThat(expectedErrno).as(what + " should have failed").isNull();
                        boolean opens = last != null && last.effect().opensDataFd();
                        assertThat(fd.isPresent()).as(what + " data_fd").isEqualTo(opens);
                        if (last != null && last.effect() == ArcEffect.OPENS_RESUME_FD) {
                            resumeFd = fd.orElseThrow();
                            resumeWritten = false;
                        }
                    } catch (VfioException e) {
                        assertThat(expectedErrno).as(what + " failed: " + e.getMessage()).isNotNull();
                        assertThat(e.error().is(expectedErrno)).as(what + ": " + e.getMessage()).isTrue();
                    }
                    model = cur;
                } else if (op instanceof ResetOp) {
                    s.reset();
                    model = MigState.RUNNING;
                } else if (op instanceof FaultOp f) {
                    s.injectFault(f.arc(), Errno.EIO, f.leaveInError());
                    faults.put(f.arc(), f.leaveInError());
                } else if (model == MigState.RESUMING && resumeFd != null && !resumeWritten) {
                    Sims.writeAll(resumeFd, saved);
                    resumeWritten = true;
                }
                assertThat(s.getState()).as("after " + op).isEqualTo(model);
                assertThat(s.info().state()).isEqualTo(model);
            }
        }
    }

    @Property(tries = 200)
    void withRandomFaultsEveryFailureStopsOnThePath(@ForAll("featureSets") MigFeatures features,
            @ForAll long seed, @ForAll("targets") List<MigState> targets) throws Exception {
        try (SimSession s = Sims.open(tinyBackend(features), "sim:tiny-0")) {
            s.randomFaults(seed, 0.3, Errno.EIO);
            for (MigState target : targets) {
                MigState before = s.getState();
                MigPath path = MigrationFsm.path(features, before, target);
                try {
                    s.setState(target);
                    assertThat(s.getState()).isEqualTo(target);
                } catch (VfioException e) {
                    MigState after = s.getState();
                    if (path.isRefused()) {
                        assertThat(after).isEqualTo(before);
                    } else {
                        assertThat(path.states()).as(before + " -> " + target).contains(after);
                        assertThat(after).isNotEqualTo(target);
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<List<MigState>> targets() {
        return Arbitraries.of(MigState.class).list().ofMaxSize(30);
    }
}

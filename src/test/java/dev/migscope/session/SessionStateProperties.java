package dev.migscope.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.view.TransitionResult;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random sequences of transitions (any target), resets and injected faults on simulated devices of
 * all four feature sets, in both transition modes: after every operation the state the session
 * reports, and the final state of the result, equal the device's real state as the registry lists
 * it (a second path that makes no GET through the session); ERROR is left only by a reset.
 */
class SessionStateProperties {

    sealed interface Op permits Go, Reset, Fault {
    }

    record Go(MigState target) implements Op {
    }

    record Reset() implements Op {
    }

    /** Makes the next SET over the {@code arc}-th direct arc of the device fail. */
    record Fault(int arc, Errno errno, boolean leaveInError) implements Op {
    }

    @Provide
    Arbitrary<String> devices() {
        return Arbitraries.of(SessionOnSimTest.ONE_PER_FEATURE_SET);
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<Op> go = Arbitraries.of(MigState.class).map(Go::new);
        Arbitrary<Op> reset = Arbitraries.just(new Reset());
        Arbitrary<Op> fault = Combinators.combine(Arbitraries.integers().between(0, 1_000),
                Arbitraries.of(Errno.EIO, Errno.EBUSY, Errno.ENOMEM, Errno.EINVAL, Errno.ETIMEDOUT, Errno.ENODEV),
                Arbitraries.of(true, false)).as(Fault::new);
        return Arbitraries.frequencyOf(Tuple.of(6, go), Tuple.of(1, reset), Tuple.of(2, fault)).list()
                .ofMinSize(20).ofMaxSize(60);
    }

    @Property(tries = 250)
    void theSessionNeverDisagreesWithTheDevice(@ForAll("devices") String id, @ForAll TransitionMode mode,
            @ForAll("operations") List<Op> ops) throws Exception {
        DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(new ManualClock())), true);
        SessionOptions options = SessionOptions.defaults().withArmed(true).withMode(mode)
                .withSampleInterval(Duration.ofHours(1));
        try (MigrationSession s = MigrationSession.open(registry, id, options)) {
            List<Arc> arcs = new ArrayList<>(MigrationFsm.directArcs(s.features()));
            for (Op op : ops) {
                MigState before = registry.find(id).orElseThrow().state();
                TransitionResult r = null;
                if (op instanceof Go go) {
                    r = FakeHarness.join(s.transition(go.target()));
                    if (r.refusal() != null) {
                        assertThat(r.steps()).isEmpty();
                    } else if (r.error() == null) {
                        assertThat(r.finalState()).as(r.summary()).isEqualTo(go.target());
                    }
                } else if (op instanceof Reset) {
                    r = FakeHarness.join(s.reset());
                    assertThat(r.ok()).as(r.summary()).isTrue();
                } else if (op instanceof Fault f) {
                    Arc arc = arcs.get(f.arc() % arcs.size());
                    FakeHarness.join(s.simulate(c -> c.injectFault(arc, f.errno(), f.leaveInError())));
                }
                MigState real = registry.find(id).orElseThrow().state();
                String where = op + " from " + before + (r == null ? "" : ": " + r.summary());
                if (r != null) {
                    assertThat(r.finalState()).as(where).isEqualTo(real);
                }
                assertThat(s.state()).as(where).isEqualTo(real);
                if (before == MigState.ERROR && !(op instanceof Reset)) {
                    assertThat(real).as(where).isEqualTo(MigState.ERROR);
                }
                assertThat(s.isGone()).isFalse();
            }
        }
    }
}

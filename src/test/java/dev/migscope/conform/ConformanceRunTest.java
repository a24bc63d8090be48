package dev.migscope.conform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.MigState;
import dev.migscope.sim.Defect;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConformanceRunTest {

    static Stream<String> correctDevices() {
        return Conformance.ONE_PER_FEATURE_SET.keySet().stream();
    }

    private static List<CheckResult> notPassed(ConformanceReport r) {
        return r.results().stream().filter(c -> c.status() != Status.PASS).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("correctDevices")
    void aCorrectDevicePassesEveryCheck(String id) throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), id, null, Conformance.FAST).run();
        System.out.println(ReportText.format(r));
        assertThat(notPassed(r)).as(ReportText.format(r)).isEmpty();
        assertThat(r.hasFailures()).isFalse();
        assertThat(rig.sim().watchState(id)).contains(MigState.RUNNING);
    }

    @Test
    void withAPeerTheStreamRoundTrips() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), "sim:c-all-0", Conformance.PEER, Conformance.FAST).run();
        System.out.println(ReportText.format(r));
        assertThat(notPassed(r)).as(ReportText.format(r)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Defect.class)
    void eachBrokenDriverFailsItsRule(Defect d) throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), d.deviceId(), null, Conformance.FAST).run();
        System.out.println(ReportText.format(r));
    }
}

package dev.migscope.conform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.sim.Defect;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The conformance run against correct simulated devices and against each deliberately broken driver. */
class ConformanceRunTest {

    /** The rule each broken driver breaks: its failures must name this rule and no other. */
    private static final Map<Defect, Rule> BROKEN_RULE = Map.of(
            Defect.DATA_FD_ON_WRONG_ARC, Rule.DATA_FD_ARCS,
            Defect.STOP_COPY_TO_PRE_COPY_ACCEPTED, Rule.STOP_COPY_TO_PRE_COPY,
            Defect.INITIAL_BYTES_GROWS, Rule.INITIAL_BYTES,
            Defect.ENDLESS_STREAM, Rule.STOP_COPY_END,
            Defect.RESET_LEAVES_STOP, Rule.RESET_RUNNING,
            Defect.ESTIMATE_TOO_LOW, Rule.MIG_DATA_SIZE,
            Defect.ENOMSG_IN_STOP_COPY, Rule.STOP_COPY_NO_ENOMSG,
            Defect.PRECOPY_FLAGS_ECHOED, Rule.PRECOPY_FLAGS_OUTPUT,
            Defect.REINIT_WITHOUT_OPT_IN, Rule.REINIT_AFTER_OPT_IN);

    static Stream<String> correctDevices() {
        return Conformance.ONE_PER_FEATURE_SET.keySet().stream();
    }

    private static List<CheckResult> with(ConformanceReport r, Status s) {
        return r.results().stream().filter(c -> c.status() == s).toList();
    }

    private static CheckResult result(ConformanceReport r, String id) {
        return r.results().stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no result " + id + " in\n" + ReportText.format(r)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("correctDevices")
    void aCorrectDevicePassesEveryCheckAndIsLeftRunning(String id) throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), id, null, Conformance.FAST).run();
        assertThat(r.results().stream().filter(c -> c.status() != Status.PASS).toList())
                .as(ReportText.format(r)).isEmpty();
        assertThat(r.hasFailures()).isFalse();
        assertThat(r.features()).isEqualTo(Conformance.ONE_PER_FEATURE_SET.get(id));
        assertThat(r.restores()).singleElement().satisfies(x -> {
            assertThat(x.restored()).isTrue();
            assertThat(x.state()).isEqualTo(MigState.RUNNING);
        });
        assertThat(rig.sim().watchState(id)).contains(MigState.RUNNING);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sim:mlx5-reinit-0", "sim:xe-0"})
    void theLinux7DevicesPassEveryCheckTheirFeaturesAllow(String id) throws Exception {
        ManualClock clock = new ManualClock();
        DeviceRegistry standard = new DeviceRegistry(List.of(), List.of(new SimBackend(clock)), true);
        ConformanceReport r = new ConformanceRun(standard, id, null, new ConformanceOptions(1, 256L << 20)).run();
        assertThat(r.results().stream().filter(c -> c.status() != Status.PASS).toList())
                .as(ReportText.format(r)).isEmpty();
        assertThat(result(r, "precopy-v2.opt-in").status()).isEqualTo(Status.PASS);
        if (id.equals("sim:mlx5-reinit-0")) {
            assertThat(result(r, "precopy-v2.initial-bytes").evidence()).contains("1 REINIT");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("correctDevices")
    void everyDirectArcPairAndRefusalOfTheFeatureSetIsChecked(String id) throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), id, null, Conformance.FAST).run();
        var features = Conformance.ONE_PER_FEATURE_SET.get(id);
        for (Arc arc : MigrationFsm.directArcs(features)) {
            result(r, "arc." + arc.from() + "-" + arc.to());
            result(r, "data-fd." + arc.from() + "-" + arc.to());
        }
        long refusals = 0;
        long multiStep = 0;
        for (MigState from : MigState.values()) {
            for (MigState to : MigState.values()) {
                var p = MigrationFsm.path(features, from, to);
                if (from != MigState.ERROR && features.supports(from) && p.isRefused()) {
                    refusals++;
                    result(r, "refusal." + from + "-" + to);
                } else if (!p.isRefused() && p.arcs().size() > 1) {
                    multiStep++;
                    result(r, "path." + from + "-" + to);
                }
            }
        }
        assertThat(r.results().stream().filter(c -> c.group().equals("refusals"))).hasSize((int) refusals);
        assertThat(r.results().stream().filter(c -> c.group().equals("paths"))).hasSize((int) multiStep);
        assertThat(result(r, "refusal.STOP_COPY-ERROR").evidence()).contains("EINVAL");
    }

    @Test
    void theLatencyOfEveryDirectArcIsMeasuredOverTheRepeats() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), "sim:c-all-0", null,
                Conformance.FAST.withRepeats(5)).run();
        assertThat(r.latency()).extracting(ArcLatency::arc)
                .containsExactlyElementsOf(MigrationFsm.directArcs(Conformance.ONE_PER_FEATURE_SET.get("sim:c-all-0")));
        assertThat(r.latency()).allSatisfy(l -> {
            assertThat(l.samples()).isEqualTo(5);
            assertThat(l.medianNanos()).isPositive().isLessThanOrEqualTo(l.p99Nanos());
        });
    }

    @Test
    void withAPeerTheSavedStreamResumesIntoItByteForByte() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), "sim:c-all-0", Conformance.PEER, Conformance.FAST)
                .run();
        assertThat(with(r, Status.FAIL)).as(ReportText.format(r)).isEmpty();
        assertThat(result(r, "resume.round-trip").status()).isEqualTo(Status.PASS);
        assertThat(result(r, "resume.round-trip").evidence()).contains("state digests equal");
        assertThat(result(r, "resume.truncated").evidence()).contains("sim:c-all-1", "EINVAL");
        assertThat(r.restores()).extracting(ConformanceReport.Restore::deviceId)
                .containsExactly("sim:c-all-0", Conformance.PEER);
        assertThat(r.restores()).allMatch(ConformanceReport.Restore::restored);
        assertThat(rig.sim().watchState(Conformance.PEER)).contains(MigState.RUNNING);
    }

    @Test
    void aPeerOfOtherFeaturesIsNotResumedInto() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), "sim:c-all-0", "sim:c-p2p-0", Conformance.FAST).run();
        assertThat(result(r, "resume.round-trip").status()).isEqualTo(Status.WARN);
        assertThat(result(r, "resume.round-trip").evidence()).contains("not compatible");
        assertThat(with(r, Status.FAIL)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Defect.class)
    void eachBrokenDriverFailsExactlyTheRuleItBreaksAndIsLeftRunning(Defect d) throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), d.deviceId(), null, Conformance.FAST).run();
        List<CheckResult> failed = with(r, Status.FAIL);
        assertThat(failed).as(ReportText.format(r)).isNotEmpty();
        assertThat(failed).as(ReportText.format(r)).allMatch(c -> c.rule() == BROKEN_RULE.get(d));
        assertThat(r.hasFailures()).isTrue();
        assertThat(r.restores()).singleElement().satisfies(x -> assertThat(x.restored()).isTrue());
        assertThat(rig.broken().watchState(d.deviceId())).contains(MigState.RUNNING);
    }

    @Test
    void anEstimateFarBelowTheRealSizeFailsWithTheRatio() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport far = new ConformanceRun(rig.registry(), Defect.ESTIMATE_TOO_LOW.deviceId(), null,
                Conformance.FAST).run();
        assertThat(result(far, "mig-data-size.estimate").status()).isEqualTo(Status.FAIL);
        assertThat(result(far, "mig-data-size.estimate").evidence()).contains("6.2%", "less than half");
    }

    @Test
    void aCorrectDeviceEndsStopCopyWithZeroAndTheReportNamesItsPreCopyForm() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), "sim:c-all-0", null, Conformance.FAST).run();
        assertThat(result(r, "stop-copy.no-enomsg").status()).isEqualTo(Status.PASS);
        assertThat(result(r, "stop-copy.no-enomsg").evidence()).contains("then read() returned 0",
                "a second read() returned 0 too");
        // The simulator ends PRE_COPY as mtty_save_read does: read() returns 0.
        assertThat(result(r, "precopy.temporary-end").evidence()).contains("read() returned 0 (as mtty does");
    }

    @Test
    void enomsgInStopCopyFailsItsOwnCheckAndTheRestOfTheRunStillUsesTheStream() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), Defect.ENOMSG_IN_STOP_COPY.deviceId(), null,
                Conformance.FAST).run();
        CheckResult check = result(r, "stop-copy.no-enomsg");
        assertThat(check.status()).isEqualTo(Status.FAIL);
        assertThat(check.rule().text()).contains("ENOMSG may not be returned in STOP_COPY.");
        assertThat(check.evidence()).contains("then read() failed with ENOMSG", "a second read() failed with ENOMSG");
        // Right in PRE_COPY: the report names the form vfio.h asks for.
        assertThat(result(r, "precopy.temporary-end").status()).isEqualTo(Status.PASS);
        assertThat(result(r, "precopy.temporary-end").evidence()).contains("read() failed with ENOMSG (the form");
        // The stream itself was whole: it is kept, so the resume checks still run (and pass).
        assertThat(r.notApplicable()).extracting(NotApplicable::id).contains("stop-copy.end")
                .doesNotContain("resume.truncated", "mig-data-size.estimate");
        assertThat(result(r, "resume.truncated").status()).isEqualTo(Status.PASS);
    }

    @Test
    void aFaultMidRunIsReportedAndTheDeviceIsStillLeftRunning() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        String id = "sim:c-all-0";
        // Faults belong to the device, so one injected now fires during the run: the first RUNNING -> RUNNING_P2P.
        try (DeviceSession s = rig.sim().open(id)) {
            s.simulation().orElseThrow().injectFault(new Arc(MigState.RUNNING, MigState.RUNNING_P2P), Errno.EIO, true);
        }
        ConformanceReport r = new ConformanceRun(rig.registry(), id, null, Conformance.FAST).run();
        assertThat(with(r, Status.FAIL)).as(ReportText.format(r)).isNotEmpty();
        assertThat(with(r, Status.FAIL).get(0).evidence()).contains("EIO");
        assertThat(r.restores()).singleElement().satisfies(x -> assertThat(x.restored()).isTrue());
        assertThat(rig.sim().watchState(id)).contains(MigState.RUNNING);
    }

    @Test
    void theReportSaysHowTheDeviceWasRestored() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), "sim:c-all-0", Conformance.PEER, Conformance.FAST)
                .run();
        String text = ReportText.format(r);
        assertThat(text).contains("sim:c-all-0: restored to RUNNING (", "sim:c-all-1: restored to RUNNING (");
        assertThat(text.strip().lines().reduce((a, b) -> b).orElseThrow())
                .isEqualTo(r.summaryLine()).matches("\\d+ passed, 0 failed, 0 warnings");
    }

    @Test
    void theHumanReportIsGroupedAndAligned() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        ConformanceReport r = new ConformanceRun(rig.registry(), Defect.ESTIMATE_TOO_LOW.deviceId(), null,
                Conformance.FAST).run();
        String text = ReportText.format(r);
        List<String> rows = text.lines().filter(l -> l.matches("  (PASS|FAIL|WARN)  .*")).toList();
        assertThat(rows).hasSize(r.results().size());
        int titleColumn = rows.get(0).indexOf(r.results().get(0).title());
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i).indexOf(r.results().get(i).title())).as(rows.get(i)).isEqualTo(titleColumn);
        }
        assertThat(text).contains("\ndevice\n", "\narcs\n", "\npaths\n", "\nrefusals\n", "\nprecopy\n",
                "\nstop-copy\n", "\nresume\n", "\nreset\n", "\ndma-logging\n", "\nlatency of the SET (3 repeats)\n");
        assertThat(text).contains("        rule: vfio.h: VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: \"Upon");
    }

    @Test
    void brokenDriversAreNeverListedButOpenByTheirId() throws Exception {
        DeviceRegistry all = DeviceRegistry.load(true);
        assertThat(all.list()).extracting(DeviceInfo::id).noneMatch(id -> id.startsWith("sim:broken-"));
        for (Defect d : Defect.values()) {
            try (DeviceSession s = all.open(d.deviceId())) {
                assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            }
        }
    }
}

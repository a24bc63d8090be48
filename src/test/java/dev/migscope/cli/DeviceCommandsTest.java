package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.MigState;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** list, show, state, set, reset, watch, --version and bad command lines, on the simulator. */
class DeviceCommandsTest {

    private static final List<String> SIM_IDS = List.of("sim:mlx5-0", "sim:mlx5-1", "sim:hisi-0", "sim:pds-0",
            "sim:stopcopy-0", "sim:nonconv-0", "sim:mlx5-reinit-0", "sim:xe-0");

    private final CliHarness cli = CliHarness.simulated();

    // ------------------------------------------------------------------ list

    @Test
    void listPrintsAnAlignedTableOfTheSimulatedDevices() {
        CliHarness.Run r = cli.run("list");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.err()).isEmpty();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).startsWith("ID").contains("KIND", "DRIVER", "FEATURES", "STATE");
        int stateColumn = lines[0].indexOf("STATE");
        for (String id : SIM_IDS) {
            String line = List.of(lines).stream().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow();
            assertThat(line.substring(stateColumn)).startsWith("RUNNING");
        }
        assertThat(r.out()).contains("stop-copy,p2p,pre-copy", "stop-copy,pre-copy", "sim_pds");
    }

    @Test
    @SuppressWarnings("unchecked")
    void listJsonIsAnArrayWithIdKindDriverFeaturesAndState() {
        CliHarness.Run r = cli.run("list", "--json");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        // --sim lists the simulated devices after any real ones this host has.
        List<Object> devices = ((List<Object>) PlainJson.parse(r.out())).stream()
                .filter(o -> "sim".equals(((Map<String, Object>) o).get("kind"))).toList();
        Map<String, Object> pds = null;
        List<Object> ids = new ArrayList<>();
        for (Object o : devices) {
            Map<String, Object> d = (Map<String, Object>) o;
            ids.add(d.get("id"));
            assertThat(d).containsEntry("kind", "sim").containsEntry("state", "RUNNING").containsKey("driver");
            assertThat((List<Object>) d.get("features")).contains("stop-copy");
            if ("sim:pds-0".equals(d.get("id"))) {
                pds = d;
            }
        }
        assertThat(ids).containsExactlyElementsOf(SIM_IDS);
        assertThat(pds).containsEntry("driver", "sim_pds").containsEntry("features", List.of("stop-copy", "p2p"));
    }

    @Test
    void simIsAcceptedBeforeAndAfterTheCommandAndReachesTheRegistry() {
        List<Boolean> asked = new ArrayList<>();
        for (String[] args : List.of(new String[] {"--sim", "list"}, new String[] {"list", "--sim"},
                new String[] {"list"})) {
            CliHarness.Run r = CliHarness.run(sim -> {
                asked.add(sim);
                return new DeviceRegistry(List.of(), List.of(), sim);
            }, args);
            assertThat(r.code()).isEqualTo(ExitCode.OK);
        }
        assertThat(asked).containsExactly(true, true, false);
    }

    @Test
    void listSaysSoWhenThereAreNoDevices() {
        CliHarness empty = new CliHarness(new DeviceRegistry(List.of(), List.of(), false));

        CliHarness.Run r = empty.run("list");
        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).startsWith("no devices");
        assertThat(empty.run("list", "--json").out().strip()).isEqualTo("[]");
    }

    // ------------------------------------------------------------------ show

    @Test
    void showPrintsIdentityFeaturesStateArcsRefusalsAndPaths() {
        CliHarness.Run r = cli.run("show", "sim:pds-0");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("sim_pds", "features     stop-copy,p2p", "state        RUNNING",
                "direct arcs (8):", "RUNNING_P2P  -> STOP", "STOP         -> STOP_COPY     OPENS_SAVE_FD",
                "TARGET_NEEDS_FEATURE", "PRE_COPY needs pre-copy", "STOP         RUNNING>RUNNING_P2P>STOP");
        assertThat(r.out()).doesNotContain("STOP_COPY_TO_PRE_COPY"); // no PRE_COPY, so nothing to refuse there
    }

    @Test
    @SuppressWarnings("unchecked")
    void showJsonCarriesArcsRefusalsAndPaths() {
        CliHarness.Run r = cli.run("show", "sim:mlx5-0", "--json");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        Map<String, Object> d = (Map<String, Object>) PlainJson.parse(r.out());
        assertThat(d).containsEntry("id", "sim:mlx5-0").containsEntry("state", "RUNNING")
                .containsEntry("features", List.of("stop-copy", "p2p", "pre-copy"));
        assertThat((List<Object>) d.get("direct_arcs")).contains(
                Map.of("from", "RUNNING", "to", "PRE_COPY", "effect", "OPENS_SAVE_FD"));
        assertThat((List<Object>) d.get("refused")).contains(
                Map.of("from", "STOP_COPY", "to", "PRE_COPY", "refusal", "STOP_COPY_TO_PRE_COPY"));
        assertThat((Map<String, Object>) d.get("paths_from_state")).containsEntry("STOP", "RUNNING>RUNNING_P2P>STOP");
    }

    @Test
    void showOfAnUnknownDeviceFailsWithOneLine() {
        CliHarness.Run r = cli.run("show", "sim:nope");

        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("sim:nope", "ENODEV", "migscope list");
    }

    // ------------------------------------------------------------------ state

    @Test
    void statePrintsTheStateName() {
        CliHarness.Run r = cli.run("state", "sim:hisi-0");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).isEqualTo("RUNNING\n");
    }

    @Test
    void stateOfADeviceAnotherSessionHoldsIsReadPassively() throws Exception {
        try (MigrationSession holder = MigrationSession.open(cli.registry, "sim:mlx5-0",
                SessionOptions.defaults().withArmed(true))) {
            assertThat(holder.transition(MigState.PRE_COPY).get().ok()).isTrue();

            CliHarness.Run r = cli.run("state", "sim:mlx5-0");

            assertThat(r.code()).isEqualTo(ExitCode.OK);
            assertThat(r.out()).isEqualTo("PRE_COPY\n");
        }
    }

    @Test
    void stateOfAnUnknownDeviceFails() {
        CliHarness.Run r = cli.run("state", "0000:fe:1f.7");

        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("0000:fe:1f.7", "ENODEV");
    }

    // ------------------------------------------------------------------ set

    @Test
    void setPrintsEveryStepAndTheFinalState() {
        CliHarness.Run r = cli.run("set", "sim:pds-0", "STOP_COPY");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.err()).isEmpty();
        List<String> lines = List.of(r.out().split("\n"));
        assertThat(lines.get(0)).contains("RUNNING -> STOP_COPY", "RUNNING>RUNNING_P2P>STOP>STOP_COPY");
        assertThat(lines.get(1)).matches("  RUNNING -> RUNNING_P2P  \\d+\\.\\d{3} ms");
        assertThat(lines.get(2)).matches("  RUNNING_P2P -> STOP  \\d+\\.\\d{3} ms");
        assertThat(lines.get(3)).matches("  STOP -> STOP_COPY  \\d+\\.\\d{3} ms  data_fd=\\d+");
        assertThat(lines.get(4)).isEqualTo("device is STOP_COPY");
        assertThat(lines.get(5)).isEqualTo(SetCommand.CLOSE_NOTE);
    }

    @Test
    void setWithKernelWalkMakesOneSet() {
        CliHarness.Run r = cli.run("set", "--kernel-walk", "sim:pds-0", "stop_copy");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        List<String> lines = List.of(r.out().split("\n"));
        assertThat(lines.get(1)).matches("  RUNNING -> STOP_COPY  \\d+\\.\\d{3} ms  data_fd=\\d+");
        assertThat(lines.get(2)).isEqualTo("device is STOP_COPY");
    }

    @Test
    void setToTheCurrentStateNeedsNoSet() {
        CliHarness.Run r = cli.run("set", "sim:hisi-0", "RUNNING");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("already RUNNING: no SET needed", "device is RUNNING");
    }

    @Test
    void stopCopyToPreCopyIsRefusedAndTheDeviceStaysInStopCopy() {
        CliHarness.Run r = cli.run("set", "sim:mlx5-0", "STOP_COPY", "PRE_COPY");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).contains("device is STOP_COPY").doesNotContain(SetCommand.CLOSE_NOTE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("STOP_COPY -> PRE_COPY", "refused (EINVAL)", "not permitted by the uAPI",
                "device is STOP_COPY");
    }

    @Test
    void preCopyOnADeviceWithoutItIsRefusedNamingTheMissingFeature() {
        CliHarness.Run r = cli.run("set", "sim:pds-0", "PRE_COPY");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("RUNNING -> PRE_COPY", "refused (EINVAL)", "device is RUNNING",
                "PRE_COPY needs pre-copy", "sim:pds-0 has stop-copy,p2p");
    }

    @Test
    void errorCannotBeRequested() {
        CliHarness.Run r = cli.run("set", "sim:mlx5-0", "ERROR");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.err()).contains("ERROR cannot be requested", "device is RUNNING");
    }

    @Test
    void aFailedArcReportsTheErrnoAndTheStateTheDeviceEndedIn() throws Exception {
        cli.simulate("sim:stopcopy-0", c -> c.injectFault(new Arc(MigState.STOP, MigState.STOP_COPY), Errno.EIO,
                true));

        CliHarness.Run r = cli.run("set", "sim:stopcopy-0", "STOP_COPY");

        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        assertThat(r.out()).containsPattern("  RUNNING -> STOP  \\d+\\.\\d{3} ms\n")
                .containsPattern("  STOP -> STOP_COPY  \\d+\\.\\d{3} ms  failed: EIO \\(Input/output error\\)\n")
                .contains("device is ERROR");
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("EIO", "device is ERROR");
    }

    @Test
    void anUnknownStateIsAUsageErrorListingTheValidNames() {
        CliHarness.Run r = cli.run("set", "sim:mlx5-0", "PAUSED");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("unknown state 'PAUSED'", "STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, "
                + "PRE_COPY, PRE_COPY_P2P");
    }

    @Test
    void setOnAnUnknownDeviceFails() {
        CliHarness.Run r = cli.run("set", "sim:nope", "STOP");

        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("sim:nope", "ENODEV");
    }

    @Test
    void setOnADeviceAnotherSessionHoldsFailsWithEbusy() throws Exception {
        try (MigrationSession holder = MigrationSession.open(cli.registry, "sim:hisi-0", SessionOptions.defaults())) {
            CliHarness.Run r = cli.run("set", "sim:hisi-0", "STOP");

            assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err()).contains("EBUSY");
            assertThat(holder.state()).isEqualTo(MigState.RUNNING);
        }
    }

    @Test
    void setWithoutAStateIsAUsageError() {
        CliHarness.Run r = cli.run("set", "sim:mlx5-0");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("STATE");
    }

    // ------------------------------------------------------------------ reset

    @Test
    void resetReturnsTheDeviceToRunning() {
        CliHarness.Run r = cli.run("reset", "sim:hisi-0");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("VFIO_DEVICE_RESET").endsWith("device is RUNNING\n");
    }

    @Test
    void resetOfAnUnpluggedDeviceFails() throws Exception {
        cli.simulate("sim:hisi-0", c -> c.unplug());

        CliHarness.Run r = cli.run("reset", "sim:hisi-0");

        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("sim:hisi-0", "ENODEV");
    }

    // ------------------------------------------------------------------ watch

    @Test
    void watchPrintsTheRequestedNumberOfSamples() {
        CliHarness.Run r = cli.run("watch", "sim:mlx5-0", "--interval", "20", "--count", "3");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.err()).isEmpty();
        List<String> lines = List.of(r.out().split("\n"));
        assertThat(lines).hasSize(2 + 3);
        assertThat(lines.get(0)).startsWith("# sim:mlx5-0").contains("stop-copy,p2p,pre-copy");
        assertThat(lines.get(1)).contains("state", "bytes", "initial", "dirty", "dirty rate", "stop_copy",
                "downtime");
        for (String sample : lines.subList(2, 5)) {
            assertThat(sample).matches("\\s*\\d+\\.\\d{3}s  RUNNING .*MiB.* ms");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void watchJsonPrintsOneObjectPerSampleInTimeOrder() {
        CliHarness.Run r = cli.run("watch", "sim:hisi-0", "--interval", "20", "--count", "4", "--json");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(4);
        double last = -1;
        for (String line : lines) {
            Map<String, Object> s = (Map<String, Object>) PlainJson.parse(line);
            assertThat(s).containsKeys("t", "state", "total_bytes", "initial_bytes", "dirty_bytes", "dirty_rate",
                    "stop_copy_length", "downtime_estimate");
            assertThat(s).containsEntry("state", "RUNNING").containsEntry("initial_bytes", null);
            assertThat((Double) s.get("stop_copy_length")).isPositive();
            assertThat((Double) s.get("t")).isGreaterThan(last);
            last = (Double) s.get("t");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void watchFollowsADeviceAnotherSessionHoldsPassively() throws Exception {
        try (MigrationSession holder = MigrationSession.open(cli.registry, "sim:pds-0",
                SessionOptions.defaults().withArmed(true))) {
            assertThat(holder.transition(MigState.STOP).get().ok()).isTrue();

            CliHarness.Run text = cli.run("watch", "sim:pds-0", "--interval", "10", "--count", "1");
            CliHarness.Run json = cli.run("watch", "sim:pds-0", "--interval", "10", "--count", "2", "--json");

            assertThat(text.code()).isEqualTo(ExitCode.OK);
            assertThat(text.out()).contains("(passive: read from debugfs)");
            assertThat(json.code()).isEqualTo(ExitCode.OK);
            for (String line : json.out().split("\n")) {
                assertThat((Map<String, Object>) PlainJson.parse(line)).containsEntry("state", "STOP");
            }
        }
    }

    @Test
    void watchRejectsANonPositiveInterval() {
        CliHarness.Run r = cli.run("watch", "sim:mlx5-0", "--interval", "0");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--interval");
    }

    @Test
    void watchRejectsANonNumericCount() {
        CliHarness.Run r = cli.run("watch", "sim:mlx5-0", "--count", "many");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--count", "many");
    }

    @Test
    void watchOfAnUnknownDeviceFails() {
        CliHarness.Run r = cli.run("watch", "sim:nope", "--count", "1");

        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("ENODEV");
    }

    // ------------------------------------------------------------------ the command line itself

    @Test
    void versionComesFromTheBuild() {
        CliHarness.Run r = cli.run("--version");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out().strip()).matches("migscope \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }

    @Test
    void helpListsTheCommandsAndTheExitCodes() {
        CliHarness.Run r = cli.run("--help");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).contains("list", "show", "state", "set", "reset", "save", "resume", "watch", "fsm",
                "--sim", "Exit codes:", "stream file refused");
    }

    @Test
    void noCommandIsAUsageError() {
        CliHarness.Run r = cli.run("--sim");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("Usage: migscope");
    }

    @Test
    void anUnknownCommandIsOneUsageLine() {
        CliHarness.Run r = cli.run("migrate", "sim:mlx5-0");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("migrate");
    }

    @Test
    void anUnknownOptionIsOneUsageLine() {
        CliHarness.Run r = cli.run("list", "--yaml");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--yaml", "migscope list --help");
    }

    @Test
    void aBugIsOneLineWithoutAStackTrace() {
        CliHarness.Run r = CliHarness.run(sim -> {
            throw new IllegalStateException("backend exploded");
        }, "list");

        assertThat(r.code()).isEqualTo(ExitCode.INTERNAL);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("internal error", "backend exploded").doesNotContain("\tat ");
    }
}

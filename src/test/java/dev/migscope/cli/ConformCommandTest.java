package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code migscope conform} on the simulator: exit codes, the human report, and the stable JSON. */
class ConformCommandTest {

    private static final List<String> TOP_KEYS = List.of("schema", "device", "peer", "repeats", "summary", "results",
            "notApplicable", "latency", "restore");
    private static final List<String> RESULT_KEYS = List.of("id", "group", "title", "status", "rule", "evidence");

    @Test
    void aCorrectDevicePassesWithExitZero() {
        CliHarness.Run r = CliHarness.simulated().run("conform", "sim:stopcopy-0", "--repeats", "1");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).startsWith("migscope conform sim:stopcopy-0 (sim_stop_copy, features stop-copy)")
                .contains("sim:stopcopy-0: restored to RUNNING (")
                .containsPattern("\\d+ passed, 0 failed, 0 warnings \\(\\d+ not applicable\\)\\n$");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aBrokenDriverExitsOneAndItsJsonNamesTheRule() {
        CliHarness.Run r = CliHarness.simulated().run("conform", "sim:broken-low-estimate-0", "--repeats", "1",
                "--json");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.FAILED);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) PlainJson.parse(r.out());
        assertThat(json.keySet()).containsExactlyElementsOf(TOP_KEYS);
        assertThat(json.get("schema")).isEqualTo("migscope-conform/1");
        assertThat(json.get("peer")).isNull();
        assertThat(json.get("repeats")).isEqualTo(1.0);
        @SuppressWarnings("unchecked")
        Map<String, Object> device = (Map<String, Object>) json.get("device");
        assertThat(device).containsOnlyKeys("id", "driver", "features", "migrationFlags")
                .containsEntry("id", "sim:broken-low-estimate-0").containsEntry("features", "stop-copy,p2p,pre-copy")
                .containsEntry("migrationFlags", 7.0);
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) json.get("summary");
        assertThat(summary).containsOnlyKeys("passed", "failed", "warnings", "notApplicable", "ok")
                .containsEntry("failed", 1.0).containsEntry("ok", false);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) json.get("results");
        assertThat(results).allSatisfy(x -> {
            assertThat(x.keySet()).containsExactlyElementsOf(RESULT_KEYS);
            assertThat(x.get("status")).isIn("pass", "fail", "warn");
            @SuppressWarnings("unchecked")
            Map<String, Object> rule = (Map<String, Object>) x.get("rule");
            assertThat(rule).containsOnlyKeys("id", "source", "text");
        });
        Map<String, Object> failed = results.stream().filter(x -> x.get("status").equals("fail")).findFirst()
                .orElseThrow();
        assertThat(failed.get("id")).isEqualTo("mig-data-size.estimate");
        assertThat(((Map<?, ?>) failed.get("rule")).get("id")).isEqualTo("mig-data-size");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> latency = (List<Map<String, Object>>) json.get("latency");
        assertThat(latency).isNotEmpty().allSatisfy(l -> assertThat(l.keySet())
                .containsExactly("arc", "from", "to", "samples", "medianNanos", "p99Nanos"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> restore = (List<Map<String, Object>>) json.get("restore");
        assertThat(restore).singleElement().satisfies(x -> {
            assertThat(x.keySet()).containsExactly("id", "restored", "state", "how");
            assertThat(x).containsEntry("restored", true).containsEntry("state", "RUNNING");
        });
    }

    @Test
    void anUnknownDeviceIsExitThreeWithOneLine() {
        CliHarness.Run r = CliHarness.simulated().run("conform", "sim:nope-0");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
        assertThat(r.errLines()).singleElement().asString().contains("sim:nope-0", "ENODEV");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badCommandLinesAreUsageErrors() {
        CliHarness h = CliHarness.simulated();
        assertThat(h.run("conform").code()).isEqualTo(ExitCode.USAGE);
        CliHarness.Run zero = h.run("conform", "sim:stopcopy-0", "--repeats", "0");
        assertThat(zero.code()).isEqualTo(ExitCode.USAGE);
        assertThat(zero.errLines()).singleElement().asString().contains("--repeats must be at least 1");
        assertThat(h.run("conform", "sim:mlx5-0", "--peer", "sim:mlx5-0").code()).isEqualTo(ExitCode.USAGE);
        assertThat(h.run("conform", "sim:mlx5-0", "--repeats", "many").code()).isEqualTo(ExitCode.USAGE);
    }
}

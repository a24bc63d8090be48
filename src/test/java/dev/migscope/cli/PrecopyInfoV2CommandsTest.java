package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.PrecopyInfo;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.telemetry.TelemetrySnapshot;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** show says whether the device accepted the PRECOPY_INFOv2 opt-in; watch carries PRECOPY_INFO's flags. */
class PrecopyInfoV2CommandsTest {

    private final CliHarness cli = CliHarness.simulated();

    @Test
    void showSaysTheDeviceAcceptedTheOptInOrWasNotAskedWithoutPreCopy() {
        CliHarness.Run mlx5 = cli.run("show", "sim:mlx5-reinit-0");
        CliHarness.Run xe = cli.run("show", "sim:xe-0");

        assertThat(mlx5.code()).isEqualTo(ExitCode.OK);
        assertThat(mlx5.out()).contains("PRECOPY_INFOv2: accepted: PRECOPY_INFO flags are output (REINIT)");
        assertThat(xe.out()).contains("PRECOPY_INFOv2: not asked: the device has no PRE_COPY");
    }

    @Test
    @SuppressWarnings("unchecked")
    void showJsonCarriesTheOptIn() {
        Map<String, Object> mlx5 = (Map<String, Object>) PlainJson.parse(cli.run("show", "sim:mlx5-0", "--json").out());
        Map<String, Object> xe = (Map<String, Object>) PlainJson.parse(cli.run("show", "sim:xe-0", "--json").out());

        assertThat(mlx5).containsEntry("precopy_info_v2", "accepted");
        assertThat(xe).containsEntry("precopy_info_v2", "no-pre-copy");
    }

    @Test
    @SuppressWarnings("unchecked")
    void watchJsonCarriesTheFlagsAfterTheOptInAndNullWithout() {
        String opted = cli.run("watch", "sim:mlx5-reinit-0", "--interval", "20", "--count", "2", "--json").out();
        String none = cli.run("watch", "sim:xe-0", "--interval", "20", "--count", "2", "--json").out();

        for (String line : opted.split("\n")) {
            assertThat((Map<String, Object>) PlainJson.parse(line)).containsEntry("precopy_flags", 0.0);
        }
        for (String line : none.split("\n")) {
            assertThat((Map<String, Object>) PlainJson.parse(line)).containsEntry("precopy_flags", null);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSampleWhosePrecopyInfoSaidReinitSaysSoInBothForms() {
        Telemetry t = new Telemetry(4);
        Sample plain = new Sample(1_000_000_000L);
        plain.set(Metric.PRECOPY_FLAGS, 0);
        Sample reinit = new Sample(2_000_000_000L);
        reinit.set(Metric.PRECOPY_FLAGS, PrecopyInfo.REINIT);
        t.append(plain);
        t.append(reinit);
        TelemetrySnapshot s = t.snapshot(Long.MIN_VALUE, Metric.values());

        assertThat(WatchCommand.textLine(s, 0)).doesNotContain("REINIT");
        assertThat(WatchCommand.textLine(s, 1)).endsWith("  REINIT");
        assertThat((Map<String, Object>) PlainJson.parse(WatchCommand.jsonLine(s, 1)))
                .containsEntry("precopy_flags", 1.0);
    }
}

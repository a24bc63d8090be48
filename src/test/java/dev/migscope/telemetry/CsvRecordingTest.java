package dev.migscope.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvRecordingTest {

    private static final String HEADER = "time_s,state,pre_copy_throughput,stop_copy_throughput,resume_throughput,"
            + "total_bytes,initial_bytes,dirty_bytes,dirty_rate,stop_copy_length,downtime_estimate,dma_dirty_pages_rate,"
            + "ram_throughput,ram_dirty_pages_rate,downtime_limit,precopy_flags";

    private static String name(int abi) {
        return abi == 2 ? "RUNNING" : abi == 6 ? "PRE_COPY" : "S" + abi;
    }

    @Test
    void writesTheSamplesFromTheStartOnWithEveryMetric(@TempDir Path dir) throws Exception {
        Telemetry t = new Telemetry(16);
        t.append(new Sample(100_000_000L).set(Metric.STATE, 2).set(Metric.TOTAL_BYTES, 1));
        t.append(new Sample(200_000_000L).set(Metric.STATE, 2).set(Metric.TOTAL_BYTES, 2));
        CsvRecording r = CsvRecording.start(t);
        t.append(new Sample(1_250_000_000L).set(Metric.STATE, 6).set(Metric.TOTAL_BYTES, 1 << 20)
                .set(Metric.DOWNTIME_ESTIMATE, 0.0125));
        Path file = dir.resolve("rec.csv");

        r.write(file, CsvRecordingTest::name);

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).containsExactly(HEADER,
                "0.200,RUNNING,,,,2,,,,,,,,,,",
                "1.250,PRE_COPY,,,,1048576,,,,,0.013,,,,,");
    }

    @Test
    void aRecordingStartedBeforeAnySampleHasThemAll(@TempDir Path dir) throws Exception {
        Telemetry t = new Telemetry(4);
        CsvRecording r = CsvRecording.start(t);
        for (int i = 0; i < 6; i++) {
            t.append(new Sample(i * 1_000_000_000L).set(Metric.STATE, 2));
        }
        Path file = dir.resolve("all.csv");

        r.write(file, CsvRecordingTest::name);

        // the ring holds the newest four
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).hasSize(5)
                .element(1).isEqualTo("2.000,RUNNING,,,,,,,,,,,,,,");
    }

    @Test
    void anUnmeasuredStateIsAnEmptyCell(@TempDir Path dir) throws Exception {
        Telemetry t = new Telemetry(4);
        CsvRecording r = CsvRecording.start(t);
        t.append(new Sample(0).set(Metric.TOTAL_BYTES, 7));
        Path file = dir.resolve("gone.csv");

        r.write(file, abi -> "never");

        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).element(1).isEqualTo("0.000,,,,,7,,,,,,,,,,");
    }
}

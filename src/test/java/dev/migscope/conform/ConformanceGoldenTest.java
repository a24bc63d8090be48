package dev.migscope.conform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.sim.BrokenSimBackend;
import dev.migscope.sim.Defect;
import dev.migscope.sim.ManualClock;
import dev.migscope.sim.SimBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The report of every simulated device (each listed one, one round trip with a peer, and each broken
 * driver) holds exactly the checks, in exactly the order and with exactly the statuses, of the run
 * recorded in {@code golden.txt}: captured before the run was split into one checker per area, so
 * the split (and any later restructuring) is proven to change no result. A new or changed rule
 * updates the file on purpose.
 */
class ConformanceGoldenTest {

    private static final String GOLDEN = "golden.txt";
    private static final ConformanceOptions OPTIONS = new ConformanceOptions(3, 256L << 20);

    /** A device and, for the round trip, its peer. */
    record Case(String device, String peer) {
        @Override
        public String toString() {
            return peer == null ? device : device + " --peer " + peer;
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (DeviceInfo d : registry().list()) {
            cases.add(new Case(d.id(), null));
        }
        cases.add(new Case("sim:mlx5-0", "sim:mlx5-1"));
        for (Defect d : Defect.values()) {
            cases.add(new Case(d.deviceId(), null));
        }
        return cases.stream();
    }

    /** The standard and the broken simulated devices, on a clock that moves only when they wait: no wall time. */
    private static DeviceRegistry registry() {
        ManualClock clock = new ManualClock();
        return new DeviceRegistry(List.of(), List.of(new SimBackend(clock), new BrokenSimBackend(clock)), true);
    }

    /** One line per check made, per check not made, and per device restored, in the report's order. */
    static List<String> lines(Case c) throws Exception {
        ConformanceReport r = new ConformanceRun(registry(), c.device(), c.peer(), OPTIONS).run();
        List<String> lines = new ArrayList<>();
        for (CheckResult x : r.results()) {
            lines.add(c + " | " + x.id() + " | " + x.status().jsonName() + " | " + x.rule().id());
        }
        for (NotApplicable n : r.notApplicable()) {
            lines.add(c + " | " + n.id() + " | n/a");
        }
        for (ConformanceReport.Restore x : r.restores()) {
            lines.add(c + " | restore " + x.deviceId() + " | " + x.state());
        }
        return lines;
    }

    private static List<String> golden() throws IOException {
        try (InputStream in = ConformanceGoldenTest.class.getResourceAsStream(GOLDEN)) {
            assertThat(in).as(GOLDEN + " on the test class path").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void theRecordCoversExactlyTheseDevices() throws IOException {
        assertThat(golden().stream().map(l -> l.substring(0, l.indexOf(" | "))).distinct())
                .containsExactlyElementsOf(cases().map(Case::toString).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theReportHoldsTheRecordedChecksInTheRecordedOrder(Case c) throws Exception {
        List<String> golden = golden().stream().filter(l -> l.startsWith(c + " | ")).toList();
        assertThat(golden).as("recorded lines for " + c).isNotEmpty();
        assertThat(lines(c)).containsExactlyElementsOf(golden);
    }
}

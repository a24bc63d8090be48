package dev.migscope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.json.Json;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.Protocol;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimClock;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testfx.util.WaitForAsyncUtils;

/** The agent pushes each sample as the session takes it, not on a timer of its own. */
class AgentSessionTest {

    @Test
    void eachSampleTakenIsPushedOnceInTheOrderTaken() throws Exception {
        DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(SimClock.system())), true);
        // The session's own timer ticks once, at the open; the agent used to push on a timer of that
        // same period, so the samples appended below would have waited an hour.
        // (The history is sized apart: by default it is an hour of samples, here two.)
        SessionOptions d = SessionOptions.defaults();
        SessionOptions options = new SessionOptions(Duration.ofHours(1), 1000, d.linkBandwidth(), d.armed(), d.mode(),
                d.precopyMax(), d.precopyThreshold(), d.clock());
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try (MigrationSession s = MigrationSession.open(registry, "sim:mlx5-0", options)) {
            AgentSession a = new AgentSession(7, s, new AgentOutput(wire));
            a.start();
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> pushed(wire).size() == 1);
            long first = pushed(wire).get(0).timeNanos();
            List<Long> taken = new ArrayList<>(List.of(first));
            for (int i = 1; i <= 50; i++) {
                Sample next = new Sample(first + i * 1_000_000L).set(Metric.TOTAL_BYTES, i);
                s.telemetry().append(next);
                taken.add(next.timeNanos());
            }
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> pushed(wire).size() >= taken.size());
            List<Sample> got = pushed(wire);
            assertThat(got).extracting(Sample::timeNanos).containsExactlyElementsOf(taken);
            assertThat(got.get(50).get(Metric.TOTAL_BYTES)).isEqualTo(50);
            a.close();
        }
    }

    /** The sample lines on the wire so far, each checked to be this session's. */
    private static List<Sample> pushed(ByteArrayOutputStream wire) throws Exception {
        List<Sample> out = new ArrayList<>();
        for (String line : wire.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            JsonNode o = Json.read(line);
            if (o.path("type").asText().equals(Protocol.SAMPLE)) {
                assertThat(o.path("session").asLong()).isEqualTo(7);
                out.add(Codec.sample(o));
            }
        }
        return out;
    }
}

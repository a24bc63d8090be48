package dev.migscope.session.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.fsm.MigState;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoScenarioTest {

    @Test
    void theScenarioConvergesFailsToConvergeAndRecoversFromError(@TempDir Path dir) throws Exception {
        DeviceRegistry registry = DeviceRegistry.load(true);
        SessionOptions options = SessionOptions.defaults().withArmed(true)
                .withPrecopy(Duration.ofSeconds(2), 1 << 20);
        List<String> said = new ArrayList<>();
        try (MigrationSession s = MigrationSession.open(registry, "sim:mlx5-0", options)) {
            DemoScenario.Report r = new DemoScenario(s, options.precopyMax(), dir, said::add).run();
            assertThat(r.parts()).extracting(DemoScenario.Part::name).containsExactly("setup",
                    "converging migration", "non-converging migration", "fault into ERROR and reset");
            assertThat(r.parts()).allSatisfy(p -> assertThat(p.ok()).as(p.name() + ": " + p.detail()).isTrue());
            assertThat(s.state()).isEqualTo(MigState.RUNNING);
        }
        assertThat(said).anyMatch(l -> l.contains("ERROR")).anyMatch(l -> l.contains("VFIO_DEVICE_RESET"));
    }
}

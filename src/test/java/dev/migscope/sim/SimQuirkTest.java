package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.MigrationStream;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A profile's {@link Quirk}s change what its device does, and nothing else. */
class SimQuirkTest {

    private static final long PAGE = SimProfile.PAGE_BYTES;

    private static SimProfile profile(Set<Quirk> quirks) {
        return new SimProfile("sim_quirk", MigFeatures.ALL, "migscope", "quirk test device", 4 * PAGE, 2 * PAGE,
                0, 1L << 40, false, 0, quirks);
    }

    /** Reads PRE_COPY's data; returns what the first read that brought none returned. */
    private static int preCopyTemporaryEnd(MigrationStream s) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        int n;
        do {
            n = s.read(buf.clear());
        } while (n > 0);
        return n;
    }

    @Test
    void withoutTheQuirkPreCopysTemporaryEndIsReadZeroAsInMtty() throws Exception {
        SimBackend backend = new SimBackend(new ManualClock(), Map.of("sim:plain-0", profile(Set.of())));
        try (SimSession s = Sims.open(backend, "sim:plain-0")) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();

            assertThat(preCopyTemporaryEnd(fd)).isZero();
        }
    }

    @Test
    void enomsgAtPreCopyEndFailsThereWithEnomsgAndStillEndsStopCopyWithZero() throws Exception {
        SimBackend backend = new SimBackend(new ManualClock(),
                Map.of("sim:enomsg-0", profile(Set.of(Quirk.ENOMSG_AT_PRE_COPY_END))));
        try (SimSession s = Sims.open(backend, "sim:enomsg-0")) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();

            assertThat(preCopyTemporaryEnd(fd)).isEqualTo(MigrationStream.ENOMSG);
            assertThat(fd.read(ByteBuffer.allocate(64))).as("the fd stays usable").isEqualTo(MigrationStream.ENOMSG);

            s.setState(MigState.STOP_COPY);
            assertThat(Sims.drain(fd)).isNotEmpty();
            assertThat(fd.read(ByteBuffer.allocate(64))).isZero();
        }
    }
}

package dev.migscope.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceSession;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Helpers the simulator tests share. */
final class Sims {

    /** One device per feature set: {STOP_COPY}, {+P2P}, {+PRE_COPY}, {+P2P+PRE_COPY}. */
    static final String[] ONE_PER_FEATURE_SET = {"sim:stopcopy-0", "sim:pds-0", "sim:hisi-0", "sim:mlx5-0"};

    private Sims() {
    }

    static SimSession open(SimBackend backend, String id) throws VfioException {
        return (SimSession) backend.open(id);
    }

    /** Reads until read() returns 0, 1 MiB at a time, as QEMU does. */
    static byte[] drain(MigrationStream s) throws VfioException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        int n;
        while ((n = s.read(buf.clear())) > 0) {
            out.write(buf.array(), 0, n);
        }
        return out.toByteArray();
    }

    /** A complete save by STOP_COPY from RUNNING; leaves the device in STOP. */
    static byte[] saveByStopCopy(DeviceSession session) throws VfioException {
        assertThat(session.getState()).isEqualTo(MigState.RUNNING);
        MigrationStream s = session.setState(MigState.STOP_COPY).orElseThrow();
        byte[] data = drain(s);
        session.setState(MigState.STOP);
        return data;
    }

    static void writeAll(MigrationStream s, byte[] data) throws VfioException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            int n = s.write(b);
            assertThat(n).isPositive();
        }
    }
}

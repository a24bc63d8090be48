package dev.migscope.conform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceKind;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A device without migration support (GET MIGRATION: ENOTTY), like a plain vfio-pci function. */
class NotMigratableTest {

    private static final String ID = "0000:00:05.0";

    @Test
    void itFailsTheFeatureCheckAloneAndIsNeitherDrivenNorReset() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        DeviceRegistry registry = new DeviceRegistry(List.of(new Backend(calls)), List.of(), false);
        ConformanceReport r = new ConformanceRun(registry, ID, null, ConformanceOptions.defaults()).run();
        assertThat(r.results()).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("device.migration-features");
            assertThat(c.status()).isEqualTo(Status.FAIL);
            assertThat(c.evidence()).contains("ENOTTY", "no migration support");
        });
        assertThat(r.features()).isNull();
        assertThat(r.restores()).singleElement().satisfies(x -> assertThat(x.how()).startsWith("not touched"));
        assertThat(calls).as("SETs and resets sent").hasValue(0);
        assertThat(ReportJson.toJson(r)).contains("\"features\":null", "\"migrationFlags\":null");
    }

    /** Every migration call answers ENOTTY; SET and reset are counted. */
    private record Backend(AtomicInteger calls) implements DeviceBackend {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public List<DeviceInfo> list() {
            return List.of();
        }

        @Override
        public boolean owns(String id) {
            return id.equals(ID);
        }

        @Override
        public DeviceSession open(String id) {
            return new DeviceSession() {
                private VfioException enotty(String call) {
                    return new VfioException(VfioError.of(Errno.ENOTTY, call, ID, "no migration support"));
                }

                @Override
                public DeviceInfo info() {
                    return new DeviceInfo(ID, DeviceKind.PCI, "vfio-pci", null, null, null, null, 5, null, null, null,
                            null, null);
                }

                @Override
                public MigFeatures migrationFeatures() throws VfioException {
                    throw enotty("VFIO_DEVICE_FEATURE GET MIGRATION");
                }

                @Override
                public MigState getState() throws VfioException {
                    throw enotty("VFIO_DEVICE_FEATURE GET MIG_DEVICE_STATE");
                }

                @Override
                public Optional<MigrationStream> setState(MigState target) throws VfioException {
                    calls.incrementAndGet();
                    throw enotty("VFIO_DEVICE_FEATURE SET MIG_DEVICE_STATE");
                }

                @Override
                public long migDataSize() throws VfioException {
                    throw enotty("VFIO_DEVICE_FEATURE GET MIG_DATA_SIZE");
                }

                @Override
                public boolean dmaLoggingSupported() {
                    return false;
                }

                @Override
                public void dmaLoggingStart(long pageSize, List<IovaRange> ranges) throws VfioException {
                    throw enotty("DMA_LOGGING_START");
                }

                @Override
                public DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
                    throw enotty("DMA_LOGGING_REPORT");
                }

                @Override
                public void dmaLoggingStop() throws VfioException {
                    throw enotty("DMA_LOGGING_STOP");
                }

                @Override
                public void reset() {
                    calls.incrementAndGet();
                }

                @Override
                public void close() {
                    // nothing held
                }
            };
        }
    }
}

package dev.migscope.conform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceBackend;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.ForwardingDeviceSession;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A correct driver on a kernel built without CONFIG_IOMMUFD_DRIVER, where DMA_LOGGING_REPORT
 * answers EOPNOTSUPP (the rig's guest): a warning about the kernel, not a failure of the driver.
 */
class KernelWithoutIovaBitmapTest {

    @Test
    void reportEopnotsuppIsAWarningAndNothingFails() throws Exception {
        Conformance.Rig rig = Conformance.rig();
        String id = "sim:c-all-0";
        DeviceBackend noBitmap = new DeviceBackend() {
            @Override
            public String name() {
                return "no-iova-bitmap";
            }

            @Override
            public List<DeviceInfo> list() {
                return List.of();
            }

            @Override
            public boolean owns(String x) {
                return x.equals(id);
            }

            @Override
            public DeviceSession open(String x) throws VfioException {
                return new NoBitmap(rig.sim().open(x));
            }
        };
        DeviceRegistry registry = new DeviceRegistry(List.of(noBitmap), List.of(), false);
        ConformanceReport r = new ConformanceRun(registry, id, null, Conformance.FAST).run();
        assertThat(r.results().stream().filter(c -> c.status() != Status.PASS)).as(ReportText.format(r))
                .singleElement().satisfies(c -> {
                    assertThat(c.id()).isEqualTo("dma-logging.cycle");
                    assertThat(c.status()).isEqualTo(Status.WARN);
                    assertThat(c.evidence()).contains("EOPNOTSUPP", "CONFIG_IOMMUFD_DRIVER", "STOP: ok");
                });
        assertThat(r.hasFailures()).isFalse();
    }

    /** The simulated session, except that REPORT fails as vfio_main.c does without iova_bitmap. */
    private static final class NoBitmap extends ForwardingDeviceSession {
        NoBitmap(DeviceSession s) {
            super(s);
        }

        @Override
        public DirtyBitmap dmaLoggingReport(long iova, long length, long pageSize) throws VfioException {
            throw new VfioException(VfioError.of(Errno.EOPNOTSUPP, VfioCall.GET_DMA_LOGGING_REPORT.text(),
                    info().id(), "this kernel cannot hand out dirty bitmaps: it was built without "
                            + "CONFIG_IOMMUFD_DRIVER (iova_bitmap)"));
        }
    }
}

package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.Errno;
import dev.migscope.device.Owner;
import dev.migscope.device.VfioError;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** errno -> a sentence the user can act on. */
class VfioErrorsTest {

    static final String ID = "0000:3b:00.1";

    @Test
    void ebusyNamesTheHoldingProcessAndTheNode() {
        VfioError e = VfioErrors.busy("open /dev/vfio/12", ID, Path.of("/dev/vfio/12"),
                Optional.of(new ProcOwners.Holding(new Owner(4242, "qemu-system-x86"), "/dev/vfio/12")), List.of(), true);

        assertThat(e.is(Errno.EBUSY)).isTrue();
        assertThat(e.call()).isEqualTo("open /dev/vfio/12");
        assertThat(e.deviceId()).isEqualTo(ID);
        assertThat(e.message()).contains("qemu-system-x86").contains("pid 4242").contains("/dev/vfio/12");
        assertThat(e.describe()).startsWith(ID + ": open /dev/vfio/12 failed: EBUSY (Device or resource busy): ");
    }

    @Test
    void ebusyWithoutAVisibleHolderSaysWhy() {
        VfioError e = VfioErrors.busy("VFIO_DEVICE_BIND_IOMMUFD", ID, Path.of("/dev/vfio/devices/vfio3"),
                Optional.empty(), List.of(), false);

        assertThat(e.message()).contains("/dev/vfio/devices/vfio3").contains("run as root");
    }

    /** Root sees every process: telling it to run as root would send it in a circle. */
    @Test
    void ebusyAsRootWithoutAVisibleHolderNamesTheCandidatesNotRoot() {
        VfioError e = VfioErrors.busy("VFIO_DEVICE_BIND_IOMMUFD", ID, Path.of("/dev/vfio/devices/vfio3"),
                Optional.empty(), List.of("qemu (pid 7) holds a vfio device fd"), true);

        assertThat(e.message()).contains("/dev/vfio/devices/vfio3").doesNotContain("run as root")
                .contains("another PID namespace").endsWith("; qemu (pid 7) holds a vfio device fd");
    }

    /** Linux 7.1's opt-in: ENOTTY and EINVAL say "kernel too old" and "no PRE_COPY", not "no migration". */
    @Test
    void precopyInfoV2ErrorsNameTheKernelOrTheMissingPreCopy() {
        VfioError old = VfioErrors.call(Errno.ENOTTY.number(), "PROBE MIG_PRECOPY_INFOv2", ID, false);
        VfioError noPreCopy = VfioErrors.call(Errno.EINVAL.number(), "SET MIG_PRECOPY_INFOv2", ID, false);

        assertThat(old.message()).contains("predates Linux 7.1").doesNotContain("no migration support");
        assertThat(noPreCopy.message()).contains("no PRE_COPY");
        assertThat(VfioErrors.call(Errno.ENOTTY.number(), "GET MIGRATION", ID, false).message())
                .contains("no migration support");
    }

    @Test
    void eaccesNamesTheFileAndTheFix() {
        VfioError group = VfioErrors.open(Errno.EACCES.number(), Path.of("/dev/vfio/12"), ID);
        VfioError cdev = VfioErrors.open(Errno.EACCES.number(), Path.of("/dev/vfio/devices/vfio3"), ID);
        VfioError container = VfioErrors.open(Errno.EACCES.number(), Path.of("/dev/vfio/vfio"), ID);

        assertThat(group.message()).contains("/dev/vfio/12").contains("add yourself to group vfio")
                .contains("SUBSYSTEM==\"vfio\", GROUP=\"vfio\", MODE=\"0660\"");
        assertThat(cdev.message()).contains("/dev/vfio/devices/vfio3").contains("SUBSYSTEM==\"vfio-dev\"");
        assertThat(container.message()).contains("KERNEL==\"vfio\"");
    }

    @Test
    void epermOnANoIommuGroupAsksForCapSysRawio() {
        VfioError e = VfioErrors.open(Errno.EPERM.number(), Path.of("/dev/vfio/noiommu-0"), ID);

        assertThat(e.message()).contains("/dev/vfio/noiommu-0").contains("CAP_SYS_RAWIO").contains("root");
    }

    @Test
    void enoentSaysTheNodeIsMissing() {
        VfioError e = VfioErrors.open(Errno.ENOENT.number(), Path.of("/dev/vfio/12"), ID);

        assertThat(e.message()).contains("/dev/vfio/12 does not exist");
    }

    @Test
    void enottyOnAFeatureMeansNoMigrationSupport() {
        VfioError e = VfioErrors.call(Errno.ENOTTY.number(), "GET MIGRATION", ID, false);

        assertThat(e.message()).contains("no migration support");
        assertThat(VfioErrors.call(Errno.ENOTTY.number(), "VFIO_GROUP_GET_STATUS", ID, false).message())
                .doesNotContain("migration");
    }

    @Test
    void enodevMeansTheDeviceIsGone() {
        assertThat(VfioErrors.call(Errno.ENODEV.number(), "VFIO_DEVICE_RESET", ID, false).message())
                .contains("gone");
    }

    @Test
    void einvalOnSetIsARefusalToReRead() {
        VfioError set = VfioErrors.call(Errno.EINVAL.number(), "SET MIG_DEVICE_STATE STOP", ID, true);
        VfioError other = VfioErrors.call(Errno.EINVAL.number(), "VFIO_MIG_GET_PRECOPY_INFO", ID, false);

        assertThat(set.message()).contains("refused").contains("re-read");
        assertThat(other.message()).doesNotContain("refused");
    }

    @Test
    void eopnotsuppOnDmaLoggingReportNamesTheMissingKernelOption() {
        VfioError e = VfioErrors.call(Errno.EOPNOTSUPP.number(), "GET DMA_LOGGING_REPORT", ID, false);

        assertThat(e.message()).contains("CONFIG_IOMMUFD_DRIVER");
        assertThat(VfioErrors.call(Errno.EOPNOTSUPP.number(), "VFIO_DEVICE_RESET", ID, false).message())
                .isEqualTo("Operation not supported");
    }

    @Test
    void unknownErrnoKeepsItsNumber() {
        VfioError e = VfioErrors.call(200, "VFIO_DEVICE_RESET", ID, false);

        assertThat(e.errno()).isEqualTo(200);
        assertThat(e.message()).contains("errno 200");
    }
}

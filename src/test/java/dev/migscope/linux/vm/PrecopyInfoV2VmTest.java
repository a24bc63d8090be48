package dev.migscope.linux.vm;

import dev.migscope.testsupport.RunningKernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import dev.migscope.device.DeviceSession;
import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.linux.Uapi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Linux 7.1's VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 on mtty, on whichever kernel the rig booted:
 * on 7.x the opt-in is accepted and the kernel owns struct vfio_precopy_info's flags from then on
 * (vfio_check_precopy_ioctl zeroes what userspace passed in, so a driver can only set REINIT);
 * on 6.12 it is ENOTTY and mtty echoes the reserved flags back, as every driver did before.
 */
@Tag("vm")
class PrecopyInfoV2VmTest {

    /** offsetof(struct mtty_data, ports): what mtty's PRE_COPY stream holds. */
    static final int MTTY_HEADER = MigrationDataVmTest.MTTY_HEADER;
    /** A flag no kernel defines, passed in to see who writes the field: the driver's echo, or the core's zero. */
    static final int UNDEFINED_FLAG = 0x80;

    /** The running kernel has the opt-in: Linux 7.1 or later. */
    static boolean kernelHasPrecopyInfoV2() {
        return RunningKernel.atLeast(7, 1);
    }

    /** ioctl(2) straight from JNA, to pass PRECOPY_INFO a flags value the backend never sends. */
    private interface C extends Library {
        C LIBC = Native.load("c", C.class);

        int ioctl(int fd, NativeLong request, Pointer arg) throws LastErrorException;
    }

    /** VFIO_MIG_GET_PRECOPY_INFO with {@code flagsIn}; returns the flags the kernel handed back. */
    static int precopyFlags(MigrationStream fd, int flagsIn) {
        Memory info = new Memory(Uapi.SIZEOF_VFIO_PRECOPY_INFO);
        info.clear();
        info.setInt(Uapi.VFIO_PRECOPY_INFO_ARGSZ, Uapi.SIZEOF_VFIO_PRECOPY_INFO);
        info.setInt(Uapi.VFIO_PRECOPY_INFO_FLAGS, flagsIn);
        C.LIBC.ioctl(fd.fd(), new NativeLong(Uapi.VFIO_MIG_GET_PRECOPY_INFO), info);
        return info.getInt(Uapi.VFIO_PRECOPY_INFO_FLAGS);
    }

    @AfterAll
    static void leaveTheMttysRunning() throws VfioException {
        VmRig.resetAll();
    }

    @Test
    void theOptInIsAcceptedExactlyWhenTheKernelHasIt() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            if (kernelHasPrecopyInfoV2()) {
                s.probePrecopyInfoV2();
                s.enablePrecopyInfoV2();
            } else {
                assertThatThrownBy(s::probePrecopyInfoV2).isInstanceOfSatisfying(VfioException.class, e -> {
                    assertThat(e.error().is(Errno.ENOTTY)).as(e.error().describe()).isTrue();
                    assertThat(e.error().message()).contains("predates Linux 7.1");
                });
                assertThatThrownBy(s::enablePrecopyInfoV2).isInstanceOfSatisfying(VfioException.class,
                        e -> assertThat(e.error().is(Errno.ENOTTY)).as(e.error().describe()).isTrue());
            }
        }
    }

    /** Without the opt-in the field is reserved ("bug-compatibility"): mtty echoes what came in. */
    @Test
    void withoutTheOptInMttyEchoesTheFlags() throws VfioException {
        try (DeviceSession s = VmRig.openFresh(VmRig.mtty(0))) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();

            assertThat(precopyFlags(fd, UNDEFINED_FLAG)).isEqualTo(UNDEFINED_FLAG);
            assertThat(fd.precopyInfo()).isEqualTo(new PrecopyInfo(MTTY_HEADER, 0, 0));
            s.reset();
        }
    }

    /**
     * After the opt-in the core zeroes the flags before mtty fills the struct; mtty never
     * re-initialises, so PRECOPY_INFO reads flags 0, no REINIT. The opt-in lasts as long as the
     * open: the last close clears it (vfio_df_device_last_close).
     */
    @Test
    void afterTheOptInTheKernelOwnsTheFlagsUntilTheDeviceIsClosed() throws VfioException {
        String id = VmRig.mtty(1);
        boolean v2 = kernelHasPrecopyInfoV2();
        try (DeviceSession s = VmRig.openFresh(id)) {
            if (v2) {
                s.enablePrecopyInfoV2();
            }
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();

            assertThat(precopyFlags(fd, UNDEFINED_FLAG)).as("flags after the opt-in on Linux %s",
                    System.getProperty("os.version")).isEqualTo(v2 ? 0 : UNDEFINED_FLAG);
            PrecopyInfo info = fd.precopyInfo();
            assertThat(info).isEqualTo(new PrecopyInfo(MTTY_HEADER, 0, 0));
            assertThat(info.reinit()).isFalse();
            s.reset();
        }
        try (DeviceSession s = VmRig.openFresh(id)) {
            MigrationStream fd = s.setState(MigState.PRE_COPY).orElseThrow();

            assertThat(precopyFlags(fd, UNDEFINED_FLAG)).as("a new open starts without the opt-in")
                    .isEqualTo(UNDEFINED_FLAG);
            s.reset();
        }
    }
}

package dev.migscope.linux;

/**
 * The numbers of include/uapi/linux/vfio.h and iommufd.h this package passes to the kernel: ioctl
 * requests, flags, struct sizes and field offsets, as Linux 6.12 defines them, plus the few that
 * Linux 7.x added (marked). Every public constant here is compared with what gcc computes from the
 * 6.12 and the 7.3 headers (UapiLayoutTest), so a wrong offset fails the build instead of
 * corrupting an ioctl argument. The sizes are 6.12's: where 7.3 grew a struct at its end, the
 * kernel still accepts the shorter argsz (its minsz is the 6.12 end), which the test checks too.
 */
public final class Uapi {

    private Uapi() {
    }

    /** {@code _IO(type, nr)}: vfio encodes no size or direction in its requests. */
    private static long io(int type, int nr) {
        return ((long) type << 8) | nr;
    }

    public static final int VFIO_TYPE = ';';
    public static final int VFIO_BASE = 100;
    public static final int IOMMUFD_TYPE = ';';

    // ioctl requests
    public static final long VFIO_SET_IOMMU = io(VFIO_TYPE, VFIO_BASE + 2);
    public static final long VFIO_GROUP_GET_STATUS = io(VFIO_TYPE, VFIO_BASE + 3);
    public static final long VFIO_GROUP_SET_CONTAINER = io(VFIO_TYPE, VFIO_BASE + 4);
    public static final long VFIO_GROUP_GET_DEVICE_FD = io(VFIO_TYPE, VFIO_BASE + 6);
    public static final long VFIO_DEVICE_RESET = io(VFIO_TYPE, VFIO_BASE + 11);
    public static final long VFIO_DEVICE_FEATURE = io(VFIO_TYPE, VFIO_BASE + 17);
    public static final long VFIO_DEVICE_BIND_IOMMUFD = io(VFIO_TYPE, VFIO_BASE + 18);
    public static final long VFIO_DEVICE_ATTACH_IOMMUFD_PT = io(VFIO_TYPE, VFIO_BASE + 19);
    public static final long VFIO_MIG_GET_PRECOPY_INFO = io(VFIO_TYPE, VFIO_BASE + 21);
    public static final long IOMMU_IOAS_ALLOC = io(IOMMUFD_TYPE, 0x81);

    public static final int VFIO_TYPE1v2_IOMMU = 3;
    public static final int VFIO_NOIOMMU_IOMMU = 8;
    public static final int VFIO_GROUP_FLAGS_VIABLE = 1;

    // struct vfio_group_status
    public static final int SIZEOF_VFIO_GROUP_STATUS = 8;
    public static final int VFIO_GROUP_STATUS_ARGSZ = 0;
    public static final int VFIO_GROUP_STATUS_FLAGS = 4;

    // struct vfio_device_feature: the header every VFIO_DEVICE_FEATURE payload follows
    public static final int SIZEOF_VFIO_DEVICE_FEATURE = 8;
    public static final int VFIO_DEVICE_FEATURE_ARGSZ = 0;
    public static final int VFIO_DEVICE_FEATURE_FLAGS = 4;
    public static final int VFIO_DEVICE_FEATURE_DATA = 8;
    public static final int VFIO_DEVICE_FEATURE_GET = 1 << 16;
    public static final int VFIO_DEVICE_FEATURE_SET = 1 << 17;
    public static final int VFIO_DEVICE_FEATURE_PROBE = 1 << 18;

    // feature numbers
    public static final int VFIO_DEVICE_FEATURE_MIGRATION = 1;
    public static final int VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE = 2;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_START = 6;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP = 7;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT = 8;
    public static final int VFIO_DEVICE_FEATURE_MIG_DATA_SIZE = 9;
    /** Linux 7.1: SET only, no payload; EINVAL on a device without PRE_COPY. */
    public static final int VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 = 12;

    // struct vfio_device_feature_migration
    public static final int SIZEOF_VFIO_DEVICE_FEATURE_MIGRATION = 8;
    public static final int VFIO_DEVICE_FEATURE_MIGRATION_FLAGS = 0;
    public static final int VFIO_MIGRATION_STOP_COPY = 1;
    public static final int VFIO_MIGRATION_P2P = 2;
    public static final int VFIO_MIGRATION_PRE_COPY = 4;

    // struct vfio_device_feature_mig_state
    public static final int SIZEOF_VFIO_DEVICE_FEATURE_MIG_STATE = 8;
    public static final int VFIO_DEVICE_FEATURE_MIG_STATE_DEVICE_STATE = 0;
    public static final int VFIO_DEVICE_FEATURE_MIG_STATE_DATA_FD = 4;

    // struct vfio_device_feature_mig_data_size
    public static final int SIZEOF_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE = 8;
    public static final int VFIO_DEVICE_FEATURE_MIG_DATA_SIZE_STOP_COPY_LENGTH = 0;

    // struct vfio_device_feature_dma_logging_control
    public static final int SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL = 24;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_PAGE_SIZE = 0;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_NUM_RANGES = 8;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_CONTROL_RANGES = 16;

    // struct vfio_device_feature_dma_logging_range
    public static final int SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE = 16;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_IOVA = 0;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_RANGE_LENGTH = 8;

    // struct vfio_device_feature_dma_logging_report
    public static final int SIZEOF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT = 32;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_IOVA = 0;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_LENGTH = 8;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_PAGE_SIZE = 16;
    public static final int VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT_BITMAP = 24;

    // struct vfio_precopy_info
    public static final int SIZEOF_VFIO_PRECOPY_INFO = 24;
    public static final int VFIO_PRECOPY_INFO_ARGSZ = 0;
    public static final int VFIO_PRECOPY_INFO_FLAGS = 4;
    public static final int VFIO_PRECOPY_INFO_INITIAL_BYTES = 8;
    public static final int VFIO_PRECOPY_INFO_DIRTY_BYTES = 16;
    /** Linux 7.1: an output flag, only after the MIG_PRECOPY_INFOv2 opt-in. */
    public static final int VFIO_PRECOPY_INFO_REINIT = 1;

    // struct vfio_device_bind_iommufd
    public static final int SIZEOF_VFIO_DEVICE_BIND_IOMMUFD = 16;
    public static final int VFIO_DEVICE_BIND_IOMMUFD_ARGSZ = 0;
    public static final int VFIO_DEVICE_BIND_IOMMUFD_FLAGS = 4;
    public static final int VFIO_DEVICE_BIND_IOMMUFD_IOMMUFD = 8;
    public static final int VFIO_DEVICE_BIND_IOMMUFD_OUT_DEVID = 12;

    // struct vfio_device_attach_iommufd_pt
    public static final int SIZEOF_VFIO_DEVICE_ATTACH_IOMMUFD_PT = 12;
    public static final int VFIO_DEVICE_ATTACH_IOMMUFD_PT_ARGSZ = 0;
    public static final int VFIO_DEVICE_ATTACH_IOMMUFD_PT_FLAGS = 4;
    public static final int VFIO_DEVICE_ATTACH_IOMMUFD_PT_PT_ID = 8;

    // struct iommu_ioas_alloc
    public static final int SIZEOF_IOMMU_IOAS_ALLOC = 12;
    public static final int IOMMU_IOAS_ALLOC_SIZE = 0;
    public static final int IOMMU_IOAS_ALLOC_FLAGS = 4;
    public static final int IOMMU_IOAS_ALLOC_OUT_IOAS_ID = 8;

    // libc: open(2) flags, struct pollfd, poll(2) events
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 02000000;
    public static final int SIZEOF_POLLFD = 8;
    public static final int POLLFD_FD = 0;
    public static final int POLLFD_EVENTS = 4;
    public static final int POLLFD_REVENTS = 6;
    public static final int POLLIN = 1;
}

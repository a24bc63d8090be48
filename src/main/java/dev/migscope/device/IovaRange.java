package dev.migscope.device;

/** {@code struct vfio_device_feature_dma_logging_range}: one IOVA range to track. */
public record IovaRange(long iova, long length) {
    public long end() {
        return iova + length;
    }
}

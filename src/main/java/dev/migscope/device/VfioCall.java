package dev.migscope.device;

import java.util.Arrays;
import java.util.Optional;

/**
 * The uAPI calls on an open device and its data_fd, each with the one name every log line, event
 * and error gives it. The VFIO_DEVICE_FEATURE calls go by their direction and feature
 * ({@code SET MIG_DEVICE_STATE}, as vfio.h's comments name them); the others by their ioctl or
 * syscall.
 */
public enum VfioCall {
    GET_MIGRATION("GET MIGRATION", true),
    GET_MIG_DEVICE_STATE("GET MIG_DEVICE_STATE", true),
    SET_MIG_DEVICE_STATE("SET MIG_DEVICE_STATE", true),
    GET_MIG_DATA_SIZE("GET MIG_DATA_SIZE", true),
    PROBE_DMA_LOGGING_START("PROBE DMA_LOGGING_START", true),
    SET_DMA_LOGGING_START("SET DMA_LOGGING_START", true),
    GET_DMA_LOGGING_REPORT("GET DMA_LOGGING_REPORT", true),
    SET_DMA_LOGGING_STOP("SET DMA_LOGGING_STOP", true),
    /** Linux 7.1: the opt-in to PRECOPY_INFO flags (REINIT). */
    PROBE_MIG_PRECOPY_INFO_V2("PROBE MIG_PRECOPY_INFOv2", true),
    SET_MIG_PRECOPY_INFO_V2("SET MIG_PRECOPY_INFOv2", true),
    VFIO_DEVICE_RESET("VFIO_DEVICE_RESET", false),
    VFIO_MIG_GET_PRECOPY_INFO("VFIO_MIG_GET_PRECOPY_INFO", false),
    READ_DATA_FD("read(data_fd)", false),
    POLL_DATA_FD("poll(data_fd)", false),
    WRITE_DATA_FD("write(data_fd)", false);

    private final String text;
    private final boolean deviceFeature;

    VfioCall(String text, boolean deviceFeature) {
        this.text = text;
        this.deviceFeature = deviceFeature;
    }

    /** The name: {@code SET MIG_DEVICE_STATE}, {@code VFIO_DEVICE_RESET}, {@code read(data_fd)}. */
    public String text() {
        return text;
    }

    /** The name and what the call was given: {@code SET MIG_DEVICE_STATE STOP_COPY}. */
    public String with(Object argument) {
        return text + " " + argument;
    }

    /** True for the VFIO_DEVICE_FEATURE ioctl's calls, which fail with ENOTTY on a device without migration support. */
    public boolean isDeviceFeature() {
        return deviceFeature;
    }

    /** The call that {@code name} (a {@link #text()}, maybe followed by an argument) names, if any. */
    public static Optional<VfioCall> named(String name) {
        return Arrays.stream(values()).filter(c -> name.equals(c.text) || name.startsWith(c.text + " ")).findFirst();
    }

    @Override
    public String toString() {
        return text;
    }
}

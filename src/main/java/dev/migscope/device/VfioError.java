package dev.migscope.device;

/**
 * A failed call, as a value: the errno, the call that returned it, the device, and a sentence
 * the user can act on. No stack trace reaches a user; this does.
 *
 * @param errno    the errno number (0 when the failure is not an errno, e.g. a bad file)
 * @param call     the call, for uAPI calls as {@link VfioCall} names them: {@code SET MIG_DEVICE_STATE},
 *                 {@code read(data_fd)}, {@code open /dev/vfio/12}
 * @param deviceId the device, or null before one is chosen
 * @param message  what went wrong and what to do about it
 */
public record VfioError(int errno, String call, String deviceId, String message) {

    public static VfioError of(Errno errno, String call, String deviceId, String message) {
        return new VfioError(errno.number(), call, deviceId, message);
    }

    public String errnoName() {
        return errno == 0 ? "" : Errno.name(errno);
    }

    /** {@code EBUSY (Device or resource busy)}. */
    public String errnoMeaning() {
        return Errno.of(errno).map(e -> e.name() + " (" + e.strerror() + ")").orElse(errnoName());
    }

    public boolean is(Errno e) {
        return errno == e.number();
    }

    /** One line: {@code sim:mlx5: VFIO_DEVICE_RESET failed: EIO (Input/output error): message}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (deviceId != null) {
            sb.append(deviceId).append(": ");
        }
        sb.append(call).append(" failed");
        if (errno != 0) {
            sb.append(": ").append(errnoMeaning());
        }
        if (message != null && !message.isBlank()) {
            sb.append(": ").append(message);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}

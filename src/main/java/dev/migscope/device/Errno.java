package dev.migscope.device;

import java.util.Arrays;
import java.util.Optional;

/** The Linux errno values the vfio uAPI and file I/O return, with what each means here. */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    EINVAL(22, "Invalid argument"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    EPIPE(32, "Broken pipe"),
    ERANGE(34, "Numerical result out of range"),
    ENOMSG(42, "No message of desired type"),
    EPROTO(71, "Protocol error"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EOPNOTSUPP(95, "Operation not supported"),
    ETIMEDOUT(110, "Connection timed out"),
    ECANCELED(125, "Operation canceled");

    private final int number;
    private final String strerror;

    Errno(int number, String strerror) {
        this.number = number;
        this.strerror = strerror;
    }

    public int number() {
        return number;
    }

    /** What strerror(3) says. */
    public String strerror() {
        return strerror;
    }

    public static Optional<Errno> of(int number) {
        return Arrays.stream(values()).filter(e -> e.number == number).findFirst();
    }

    /** {@code EBUSY} for a known number, {@code errno 123} otherwise. */
    public static String name(int number) {
        return of(number).map(Enum::name).orElse("errno " + number);
    }
}

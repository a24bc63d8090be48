package dev.migscope.sim;

/**
 * A deliberate uAPI violation a broken simulated driver commits, so that the conformance run can
 * be shown to catch it. Each names the rule it breaks.
 */
public enum Defect {
    /** Every SET that ends in STOP returns a data_fd, though no arc into STOP starts a session. */
    DATA_FD_ON_WRONG_ARC("data-fd", "returns a data_fd on the arcs into STOP"),
    /** STOP_COPY -> PRE_COPY(_P2P) is accepted (the driver walks back through STOP and RUNNING). */
    STOP_COPY_TO_PRE_COPY_ACCEPTED("stopcopy-precopy", "accepts STOP_COPY -> PRE_COPY and PRE_COPY_P2P"),
    /** PRECOPY_INFO's initial_bytes grows by a page with every call. */
    INITIAL_BYTES_GROWS("initial-grows", "reports initial_bytes that grows while the stream is read"),
    /** In STOP_COPY read() never returns 0: after the real data it returns zeros forever. */
    ENDLESS_STREAM("endless", "never ends its STOP_COPY stream"),
    /** VFIO_DEVICE_RESET leaves the device in STOP instead of RUNNING. */
    RESET_LEAVES_STOP("reset-stop", "leaves the device in STOP after VFIO_DEVICE_RESET"),
    /** MIG_DATA_SIZE reports a sixteenth of what STOP_COPY streams. */
    ESTIMATE_TOO_LOW("low-estimate", "reports a MIG_DATA_SIZE far below the real size"),
    /**
     * read() fails with ENOMSG at STOP_COPY's permanent end too: the slip of a driver with {@link
     * Quirk#ENOMSG_AT_PRE_COPY_END} (right at PRE_COPY's temporary end, as mlx5 does) that forgets
     * to check its state there. Its device carries that quirk.
     */
    ENOMSG_IN_STOP_COPY("enomsg", "returns ENOMSG, not 0, at the end of its STOP_COPY stream"),
    /**
     * PRECOPY_INFO hands back the flags userspace put in the struct even after the PRECOPY_INFOv2
     * opt-in: the "bug-compatibility" of drivers before 7.1, kept by a driver that does not call
     * vfio_check_precopy_ioctl(), which zeroes them.
     */
    PRECOPY_FLAGS_ECHOED("echo-flags", "echoes the PRECOPY_INFO flags userspace passed in, even after the opt-in"),
    /**
     * Reports REINIT whether or not userspace opted in to PRECOPY_INFOv2. Its device carries {@link
     * Quirk#REINIT_IN_PRE_COPY}.
     */
    REINIT_WITHOUT_OPT_IN("reinit", "reports REINIT in PRECOPY_INFO without the PRECOPY_INFOv2 opt-in");

    private final String shortName;
    private final String what;

    Defect(String shortName, String what) {
        this.shortName = shortName;
        this.what = what;
    }

    /** The device id of the broken driver that commits this defect: {@code sim:broken-endless-0}. */
    public String deviceId() {
        return "sim:broken-" + shortName + "-0";
    }

    /** What the driver gets wrong, for listings and demos. */
    public String what() {
        return what;
    }
}

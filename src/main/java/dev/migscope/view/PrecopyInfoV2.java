package dev.migscope.view;

/**
 * What became of the session's VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 opt-in (Linux 7.1): after it
 * the flags of every VFIO_MIG_GET_PRECOPY_INFO are output, and REINIT says the device has new
 * initial data.
 */
public enum PrecopyInfoV2 {
    /** The device accepted it: PRECOPY_INFO's flags are output (REINIT). */
    ACCEPTED("accepted", "accepted: PRECOPY_INFO flags are output (REINIT)"),
    /** The kernel predates the feature (PROBE failed with ENOTTY): PRECOPY_INFO has no flags. */
    NOT_IN_KERNEL("not-in-kernel", "not in this kernel (PROBE: ENOTTY; needs Linux 7.1+): no flags"),
    /** The kernel has the feature but the PROBE or SET failed otherwise (EINVAL: no PRE_COPY). */
    REFUSED("refused", "refused by the device"),
    /** The device has no PRE_COPY: there is no PRECOPY_INFO to opt in to, so nothing was asked. */
    NO_PRE_COPY("no-pre-copy", "not asked: the device has no PRE_COPY"),
    /** This view did not open the device (a watched, observed or remote device). */
    UNKNOWN("unknown", "unknown: this view did not open the device");

    private final String jsonName;
    private final String sentence;

    PrecopyInfoV2(String jsonName, String sentence) {
        this.jsonName = jsonName;
        this.sentence = sentence;
    }

    /** The name in {@code --json} output. */
    public String jsonName() {
        return jsonName;
    }

    /** The constant {@link #jsonName()} names; {@link #UNKNOWN} for any other text (an agent that predates it). */
    public static PrecopyInfoV2 fromJsonName(String name) {
        for (PrecopyInfoV2 v : values()) {
            if (v.jsonName.equals(name)) {
                return v;
            }
        }
        return UNKNOWN;
    }

    /** What a person reads in {@code show}. */
    public String sentence() {
        return sentence;
    }
}

package dev.migscope.conform;

/**
 * The uAPI rules the checks come from, each with where it is written (include/uapi/linux/vfio.h
 * of Linux 6.12 unless said; "vfio.h 7.x" is Linux 7.3's) and the sentence itself, so that a failure names what it breaks.
 */
public enum Rule {
    MIGRATION_FEATURE("migration-feature", "vfio.h: VFIO_DEVICE_FEATURE_MIGRATION",
            "If this GET succeeds, the RUNNING and ERROR states are always supported. [...] at least "
                    + "VFIO_MIGRATION_STOP_COPY must be set."),
    DEFAULT_RUNNING("default-running", "vfio.h: VFIO_DEVICE_FEATURE_MIGRATION; the v2 FSM design",
            "RUNNING is always supported, and it is the state a device is in by default, so that userspace "
                    + "that knows nothing of migration finds it running."),
    ARC_COMPLETES("arc-completes", "vfio.h: VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE",
            "The kernel migration driver must fully transition the device to the new state value before the "
                    + "operation returns to the user."),
    DATA_FD_ARCS("data-fd-arcs", "vfio.h: FSM arcs RUNNING -> PRE_COPY, RUNNING_P2P -> PRE_COPY_P2P, "
            + "STOP -> STOP_COPY, STOP -> RESUMING",
            "If the new_state starts a new data transfer session then the FD associated with that session is "
                    + "returned in data_fd. [...] These arcs begin the process of saving the device state and will "
                    + "return a new data_fd."),
    SAVING_GROUP_FD("saving-group-fd", "vfio.h: FSM arcs RUNNING -> PRE_COPY ... (the saving group)",
            "PRE_COPY, PRE_COPY_P2P and STOP_COPY form the \"saving group\" of states which share a data transfer "
                    + "session. Moving between these states alters what is streamed in session, but does not "
                    + "terminate or otherwise affect the associated fd."),
    COMBINATION("combination-arcs", "vfio.h: FSM, combination transitions; vfio_main.c: vfio_mig_get_next_state()",
            "The remaining possible transitions are interpreted as combinations of the above FSM arcs. [...] "
                    + "Refer to vfio_mig_get_next_state() for the result of the algorithm."),
    OPTIONAL_STATES("optional-states", "vfio.h: FSM, optional states",
            "The optional states cannot be used with SET_STATE if the device does not support them."),
    STOP_COPY_TO_PRE_COPY("stop-copy-to-pre-copy", "vfio.h: FSM arcs STOP_COPY -> PRE_COPY, STOP_COPY -> PRE_COPY_P2P",
            "These arcs are not permitted and return error if requested."),
    ERROR_NOT_A_TARGET("error-not-a-target", "vfio.h: FSM arc any -> ERROR",
            "ERROR cannot be specified as a device state, however any transition request can be failed with an "
                    + "errno return and may then move the device_state into ERROR."),
    ERROR_ONLY_RESET("error-only-reset", "vfio.h: FSM arc any -> ERROR",
            "In this case the device was unable to execute the requested arc and was also unable to restore the "
                    + "device to any valid device_state. To recover from ERROR VFIO_DEVICE_RESET must be used."),
    RESET_RUNNING("reset-running", "vfio.h: FSM arc any -> ERROR; VFIO_DEVICE_RESET",
            "VFIO_DEVICE_RESET must be used to return the device_state back to RUNNING."),
    PRECOPY_INFO_STATES("precopy-info-states", "vfio.h: VFIO_MIG_GET_PRECOPY_INFO",
            "This ioctl is valid only in PRE_COPY states and kernel driver should return -EINVAL from any other "
                    + "migration state."),
    INITIAL_BYTES("initial-bytes", "vfio.h: VFIO_MIG_GET_PRECOPY_INFO (REINIT: vfio.h 7.x)",
            "The initial_bytes field indicates the amount of initial precopy data available from the device. "
                    + "This field should have a non-zero initial value and decrease as migration data is read from "
                    + "the device. The presence of the VFIO_PRECOPY_INFO_REINIT output flag indicates that new "
                    + "initial data is present on the stream. [...] In that case initial_bytes may report a non-zero "
                    + "value irrespective of any previously reported values [...] dirty_bytes is also reset to zero "
                    + "and represents the state change of the device relative to the new initial_bytes."),
    PRECOPY_TEMPORARY_END("precopy-temporary-end", "vfio.h: VFIO_MIG_GET_PRECOPY_INFO",
            "During pre-copy the migration data FD has a temporary \"end of stream\" that is reached when both "
                    + "initial_bytes and dirty_byte are zero. [...] the kernel driver should return ENOMSG from "
                    + "read()."),
    STOP_COPY_END("stop-copy-end", "vfio.h: VFIO_MIG_GET_PRECOPY_INFO; FSM arc PRE_COPY_P2P -> STOP_COPY",
            "Once in STOP_COPY the migration data FD has a permanent end of stream signaled in the usual way by "
                    + "read() always returning 0. [...] End of stream on the FD indicates the entire device state "
                    + "has been transferred."),
    STOP_COPY_NO_ENOMSG("stop-copy-no-enomsg", "vfio.h: VFIO_MIG_GET_PRECOPY_INFO",
            "Once in STOP_COPY the migration data FD has a permanent end of stream signaled in the usual way by "
                    + "read() always returning 0 and poll always returning readable. ENOMSG may not be returned in "
                    + "STOP_COPY."),
    MIG_DATA_SIZE("mig-data-size", "vfio.h: VFIO_DEVICE_FEATURE_MIG_DATA_SIZE",
            "Upon VFIO_DEVICE_FEATURE_GET read back the estimated data length that will be required to complete "
                    + "stop copy. Note: Can be called on each device state."),
    RESUME_LOADS("resume-loads", "vfio.h: FSM arcs STOP -> RESUMING, RESUMING -> STOP",
            "The data stream fed into the data_fd should be taken from the data transfer output of a single FD "
                    + "during saving from a compatible device. [...] Leaving RESUMING [...] indicates the device "
                    + "should complete processing of the data delivered by write()."),
    RESUME_VALIDATES("resume-validates", "vfio.h: FSM arc RESUMING -> STOP",
            "If the user provided data is found to be incomplete, inconsistent, or otherwise invalid, the "
                    + "migration driver must fail the SET_STATE ioctl and optionally go to the ERROR state."),
    FAILED_SET_STATE("failed-set-state", "vfio.h: VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE",
            "If this function fails then current device_state may be the original operating state or some other "
                    + "state along the combination transition path."),
    DMA_LOGGING("dma-logging", "vfio.h: VFIO_DEVICE_FEATURE_DMA_LOGGING_START/STOP/REPORT",
            "A single call to start device DMA logging can be issued and a matching stop should follow at the "
                    + "end. [...] Query the device's DMA log for written pages within the given IOVA range."),
    SHORTEST_PATH("shortest-path", "vfio.h: FSM, combination transitions",
            "As there are multiple paths through the FSM arcs the path should be selected based on the following "
                    + "rules: - Select the shortest path. - The path cannot have saving group states as interior "
                    + "arcs, only starting/end states."),
    PRECOPY_INFO_V2("precopy-info-v2", "vfio.h 7.x: VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2; vfio_main.c: "
            + "vfio_ioctl_device_feature_migration_precopy_info_v2()",
            "On SET, enables the v2 pre_copy_info behaviour, where the vfio_precopy_info.flags is a valid output "
                    + "field. (The kernel refuses it with -EINVAL when the device lacks VFIO_MIGRATION_PRE_COPY.)"),
    PRECOPY_FLAGS_OUTPUT("precopy-flags-output", "vfio.h 7.x: struct vfio_precopy_info; include/linux/vfio.h: "
            + "vfio_check_precopy_ioctl()",
            "#define VFIO_PRECOPY_INFO_REINIT (1 << 0) /* output - new initial data is present */ [...] where the "
                    + "vfio_precopy_info.flags is a valid output field. (After the opt-in the core sets flags to 0 "
                    + "before the driver fills them.)"),
    REINIT_AFTER_OPT_IN("reinit-after-opt-in", "vfio.h 7.x: VFIO_MIG_GET_PRECOPY_INFO",
            "VFIO_PRECOPY_INFO_REINIT can be reported only after userspace opts in to "
                    + "VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2. Without this opt-in, the flags field of struct "
                    + "vfio_precopy_info is reserved for bug-compatibility reasons."),
    DMA_LOGGING_RANGES("dma-logging-ranges", "vfio_main.c: vfio_ioctl_device_feature_logging_start()",
            "Ranges must be aligned to page_size and must not overlap (-EINVAL); more ranges than fit into one "
                    + "kernel page (LOG_MAX_RANGES) are refused with -E2BIG.");

    private final String id;
    private final String source;
    private final String text;

    Rule(String id, String source, String text) {
        this.id = id;
        this.source = source;
        this.text = text;
    }

    /** The stable identifier in the JSON output, e.g. {@code stop-copy-to-pre-copy}. */
    public String id() {
        return id;
    }

    /** Where the rule is written. */
    public String source() {
        return source;
    }

    /** The rule, quoted ([...] marks omissions) or, for kernel code, paraphrased. */
    public String text() {
        return text;
    }
}

package dev.migscope.telemetry;

/** The quantities the sampler records, one ring buffer each. */
public enum Metric {
    /** MigState ABI number of the state a GET returned (NaN when unreadable). */
    STATE("state", ""),
    /** data_fd bytes/s read (or written) in PRE_COPY / PRE_COPY_P2P. */
    PRE_COPY_THROUGHPUT("pre-copy throughput", "B/s"),
    /** data_fd bytes/s read in STOP_COPY. */
    STOP_COPY_THROUGHPUT("stop-copy throughput", "B/s"),
    /** data_fd bytes/s written in RESUMING. */
    RESUME_THROUGHPUT("resume throughput", "B/s"),
    /** Total data_fd bytes moved in this session. */
    TOTAL_BYTES("total bytes", "B"),
    /** VFIO_MIG_GET_PRECOPY_INFO initial_bytes. */
    INITIAL_BYTES("initial_bytes", "B"),
    /** VFIO_MIG_GET_PRECOPY_INFO dirty_bytes. */
    DIRTY_BYTES("dirty_bytes", "B"),
    /** Bytes of device state dirtied per second: growth of initial+dirty plus what was read. */
    DIRTY_RATE("dirty rate", "B/s"),
    /** MIG_DATA_SIZE stop_copy_length. */
    STOP_COPY_LENGTH("stop_copy_length", "B"),
    /** stop_copy_length over the link bandwidth: the downtime a switch-over now would cost. */
    DOWNTIME_ESTIMATE("downtime estimate", "s"),
    /** Dirty pages per second from DMA_LOGGING_REPORT. */
    DMA_DIRTY_PAGES_RATE("DMA dirty pages", "pages/s"),
    /** Guest RAM bytes/s a QEMU migration sends (query-migrate ram.transferred over time). */
    RAM_THROUGHPUT("RAM throughput", "B/s"),
    /** Guest RAM pages dirtied per second (query-migrate ram.dirty-pages-rate). */
    RAM_DIRTY_PAGES_RATE("RAM dirty pages", "pages/s"),
    /** The downtime a QEMU migration may not exceed (query-migrate-parameters downtime-limit). */
    DOWNTIME_LIMIT("downtime limit", "s"),
    /**
     * The flags of the PRECOPY_INFOs read since the previous sample, or-ed (after the PRECOPY_INFOv2
     * opt-in; 0 before it): bit 0, REINIT, marks a re-initialisation on the charts.
     */
    PRECOPY_FLAGS("PRECOPY_INFO flags", "");

    private final String label;
    private final String unit;

    Metric(String label, String unit) {
        this.label = label;
        this.unit = unit;
    }

    public String label() {
        return label;
    }

    public String unit() {
        return unit;
    }
}

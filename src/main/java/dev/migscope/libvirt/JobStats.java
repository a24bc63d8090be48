package dev.migscope.libvirt;

import com.sun.jna.Pointer;
import dev.migscope.qemu.MigrationInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's figures as libvirt keeps them (virDomainGetJobStats, the job-completed event): its type
 * and the typed parameters by name (VIR_DOMAIN_JOB_* of libvirt-domain.h), numbers and strings
 * only, checked against virTypedParameterType.
 *
 * @param type virDomainJobType: NONE 0, BOUNDED 1, UNBOUNDED 2, COMPLETED 3, FAILED 4, CANCELLED 5
 */
public record JobStats(int type, Map<String, Object> fields) {

    /** The most typed parameters migscope reads of one job (libvirt 11 sends about 40). */
    static final int MAX_PARAMS = 1024;
    /** sizeof(virTypedParameter) on LP64: char field[80], int type, a union of 8 bytes at 88. */
    static final int PARAM_SIZE = 96;
    static final int FIELD_LENGTH = 80;
    static final int VALUE_OFFSET = 88;
    static final int NONE = 0;
    static final int COMPLETED = 3;
    static final int FAILED = 4;
    static final int CANCELLED = 5;

    public JobStats {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Reads {@code n} virTypedParameters at {@code p}; the caller frees them. */
    static JobStats read(Virt virt, int type, Pointer p, int n) throws LibvirtException {
        if (n < 0 || n > MAX_PARAMS || (n > 0 && p == null)) {
            throw new LibvirtException(LibvirtException.Kind.LIMIT, "libvirt sent " + n + " job statistics, "
                    + "more than migscope reads (" + MAX_PARAMS + ")");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Pointer param = p.share((long) i * PARAM_SIZE);
            String name = virt.string(param, FIELD_LENGTH - 1, "a job statistic's name");
            int t = param.getInt(FIELD_LENGTH);
            Object value = switch (t) {
                case 1 -> (long) param.getInt(VALUE_OFFSET);                       // INT
                case 2 -> Integer.toUnsignedLong(param.getInt(VALUE_OFFSET));      // UINT
                case 3, 4 -> param.getLong(VALUE_OFFSET);                          // LLONG, ULLONG (< 2^63 here)
                case 5 -> param.getDouble(VALUE_OFFSET);                           // DOUBLE
                case 6 -> param.getByte(VALUE_OFFSET) != 0;                        // BOOLEAN
                case 7 -> virt.string(param.getPointer(VALUE_OFFSET), 4096, "job statistic " + name);
                default -> throw new LibvirtException(LibvirtException.Kind.LIMIT, "job statistic " + name
                        + " has type " + t + ", not one of virTypedParameterType's");
            };
            fields.put(name, value);
        }
        return new JobStats(type, fields);
    }

    /** A number field, or null when libvirt did not give it. */
    public Long number(String name) {
        return fields.get(name) instanceof Long l ? l : null;
    }

    public String text(String name) {
        return fields.get(name) instanceof String s ? s : null;
    }

    /** True when libvirt runs no job: the figures are elsewhere (the completed job's). */
    boolean isNone() {
        return type == NONE;
    }

    /**
     * The figures as a query-migrate reply's: {@code status} is the MIGRATION event's (QEMU's
     * statuses, which libvirt's job types do not distinguish), the rest libvirt's: time_elapsed,
     * setup_time, downtime, memory_processed, memory_total, memory_dirty_rate (pages/s),
     * vfio_data_transferred (libvirt 10.6+), errmsg.
     */
    MigrationInfo info(String status) {
        return new MigrationInfo(status, number("setup_time"), number("time_elapsed"), number("downtime"), null,
                number("memory_processed"), number("memory_total"), number("memory_dirty_rate"),
                number("vfio_data_transferred"), text("errmsg"));
    }
}

package dev.migscope.fsm;

import java.util.Locale;
import java.util.Optional;

/** The flags VFIO_DEVICE_FEATURE_MIGRATION returns (VFIO_MIGRATION_*). The bits are ABI. */
public enum MigFeature {
    /** Mandatory: the device implements STOP, RESUMING, STOP_COPY. */
    STOP_COPY(1, "stop-copy"),
    /** RUNNING_P2P (and PRE_COPY_P2P with PRE_COPY): quiesce peer-to-peer DMA. */
    P2P(2, "p2p"),
    /** PRE_COPY (and PRE_COPY_P2P with P2P): save while running. Linux 6.2+. */
    PRE_COPY(4, "pre-copy");

    private final int bit;
    private final String cliName;

    MigFeature(int bit, String cliName) {
        this.bit = bit;
        this.cliName = cliName;
    }

    public int bit() {
        return bit;
    }

    /** The lower-case name used on the command line and in JSON ({@code stop-copy}, {@code p2p}, {@code pre-copy}). */
    public String cliName() {
        return cliName;
    }

    public static Optional<MigFeature> parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (n.startsWith("vfio-migration-")) {
            n = n.substring("vfio-migration-".length());
        }
        for (MigFeature f : values()) {
            if (f.cliName.equals(n)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}

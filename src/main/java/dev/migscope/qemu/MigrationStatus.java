package dev.migscope.qemu;

import java.util.Optional;

/** QAPI's {@code MigrationStatus} (qapi/migration.json): where one QEMU's migration is. */
public enum MigrationStatus {
    NONE("none"),
    SETUP("setup"),
    CANCELLING("cancelling"),
    CANCELLED("cancelled"),
    ACTIVE("active"),
    POSTCOPY_ACTIVE("postcopy-active"),
    POSTCOPY_PAUSED("postcopy-paused"),
    POSTCOPY_RECOVER_SETUP("postcopy-recover-setup"),
    POSTCOPY_RECOVER("postcopy-recover"),
    COMPLETED("completed"),
    FAILED("failed"),
    COLO("colo"),
    PRE_SWITCHOVER("pre-switchover"),
    DEVICE("device"),
    WAIT_UNPLUG("wait-unplug");

    private final String qapiName;

    MigrationStatus(String qapiName) {
        this.qapiName = qapiName;
    }

    public String qapiName() {
        return qapiName;
    }

    /** Completed, failed or cancelled: the migration is over. */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** Between {@code setup} and a final status. */
    public boolean isRunning() {
        return this != NONE && !isFinal();
    }

    /** Empty for a status this list does not know (a newer QEMU's). */
    public static Optional<MigrationStatus> parse(String qapiName) {
        for (MigrationStatus s : values()) {
            if (s.qapiName.equals(qapiName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return qapiName;
    }
}

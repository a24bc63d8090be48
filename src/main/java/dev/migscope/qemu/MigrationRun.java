package dev.migscope.qemu;

import java.util.ArrayList;
import java.util.List;

/**
 * One migration as one QEMU ran it: the statuses it passed, each with when and how migscope saw it,
 * and QEMU's last figures. Written on the QEMU's observer thread; read under its lock.
 */
public final class MigrationRun {

    /**
     * @param status QEMU's spelling
     * @param micros QEMU's timestamp (MIGRATION event) or the poll's time
     * @param seenBy {@code event} or {@code poll}
     */
    public record StatusChange(String status, long micros, String seenBy) {
    }

    private final List<StatusChange> statuses = new ArrayList<>();
    private MigrationInfo info = MigrationInfo.NONE;
    private boolean summarized;

    void status(String status, long micros, String seenBy) {
        statuses.add(new StatusChange(status, micros, seenBy));
    }

    void info(MigrationInfo latest) {
        info = latest;
    }

    public List<StatusChange> statuses() {
        return List.copyOf(statuses);
    }

    /** QEMU's figures at the last poll. */
    public MigrationInfo info() {
        return info;
    }

    /** The last status seen. */
    public String status() {
        return statuses.isEmpty() ? info.status() : statuses.get(statuses.size() - 1).status();
    }

    public boolean isOver() {
        return MigrationStatus.parse(status()).map(MigrationStatus::isFinal).orElse(false);
    }

    /** Marks that the final figures were reported; true the first time. */
    boolean summarizeOnce() {
        boolean first = !summarized;
        summarized = true;
        return first;
    }
}

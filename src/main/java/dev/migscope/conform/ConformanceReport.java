package dev.migscope.conform;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.util.List;

/**
 * Everything a conformance run found, in a fixed order: the results by group, the checks that did
 * not apply, the SET latency per arc, and how each device was left.
 *
 * @param deviceId      the device checked
 * @param driver        its driver, as the backend lists it
 * @param features      GET MIGRATION; null when even that failed
 * @param peerId        the device resumed into with {@code --peer}; null without
 * @param repeats       SETs timed per arc
 * @param results       every check made
 * @param notApplicable checks not made for this device, with the reason
 * @param latency       per direct arc, in the order the arcs were checked
 * @param restores      the device (and the peer): restored to RUNNING or not, and how
 */
public record ConformanceReport(
        String deviceId,
        String driver,
        MigFeatures features,
        String peerId,
        int repeats,
        List<CheckResult> results,
        List<NotApplicable> notApplicable,
        List<ArcLatency> latency,
        List<Restore> restores) {

    public ConformanceReport {
        results = List.copyOf(results);
        notApplicable = List.copyOf(notApplicable);
        latency = List.copyOf(latency);
        restores = List.copyOf(restores);
    }

    /**
     * How the run left one device.
     *
     * @param deviceId the device
     * @param restored true when a GET returned RUNNING at the end
     * @param state    the state a GET returned at the end; null when the GET failed
     * @param how      what it took: "already RUNNING", "SET RUNNING", "VFIO_DEVICE_RESET", ... or why it failed
     */
    public record Restore(String deviceId, boolean restored, MigState state, String how) {
    }

    public long count(Status s) {
        return results.stream().filter(r -> r.status() == s).count();
    }

    public boolean hasFailures() {
        return count(Status.FAIL) > 0 || restores.stream().anyMatch(r -> !r.restored());
    }

    /** {@code 84 passed, 0 failed, 1 warning}. */
    public String summaryLine() {
        long w = count(Status.WARN);
        return count(Status.PASS) + " passed, " + count(Status.FAIL) + " failed, " + w
                + (w == 1 ? " warning" : " warnings");
    }
}

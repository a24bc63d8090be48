package dev.migscope.conform;

import dev.migscope.device.MigrationStream;
import dev.migscope.device.StreamIo;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.ArcEffect;
import dev.migscope.fsm.MigState;
import java.util.Optional;

/**
 * The data_fd of one direct arc, over the SETs {@link ArcChecker} makes. vfio.h: "If the new_state
 * starts a new data transfer session then the FD associated with that session is returned in
 * data_fd" ({@link Rule#DATA_FD_ARCS}), and in the saving group "Moving between these states alters
 * what is streamed in session, but does not terminate or otherwise affect the associated fd"
 * ({@link Rule#SAVING_GROUP_FD}): after PRE_COPY(_P2P) -> STOP_COPY the session's fd streams the rest.
 */
final class DataFdChecker {

    private final Arc arc;
    private final ArcEffect effect;
    private Status status = Status.PASS;
    /** Null until a SET of the arc was made. */
    private String evidence;
    private CheckResult continued;

    DataFdChecker(Arc arc) {
        this.arc = arc;
        this.effect = arc.effect();
    }

    /**
     * Judges the data_fd that SET number {@code repeat} returned.
     *
     * @param before the fd of the session the arc started from, if any
     * @return false when the arc broke the rule: the repeats stop there
     */
    boolean observe(CheckContext c, int repeat, Optional<MigrationStream> before, Optional<MigrationStream> after) {
        if (after.isPresent() != effect.opensDataFd()) {
            status = Status.FAIL;
            evidence = (after.isPresent()
                    ? "a data_fd (" + after.get().fd() + ") came back on an arc that "
                            + (effect == ArcEffect.CONTINUES_FD ? "continues the session's fd" : "starts no session")
                    : "no data_fd came back on an arc that starts a "
                            + (effect == ArcEffect.OPENS_RESUME_FD ? "resuming" : "saving") + " session")
                    + ArcChecker.repeat(repeat);
        }
        if (repeat == 0) {
            if (status == Status.PASS) {
                evidence = after.map(f -> "data_fd " + f.fd()).orElse("no data_fd");
            }
            if (effect == ArcEffect.CONTINUES_FD && arc.to() == MigState.STOP_COPY && before.isPresent()) {
                continued = continues(c, before.get(), after.isPresent());
            }
        }
        return status == Status.PASS;
    }

    /** Adds the data_fd check (or why it was not made) and the saving group's, after the arc's own. */
    void report(CheckContext c, String arcId) {
        String pair = arc.from() + "-" + arc.to();
        String set = CheckContext.SET + arc.to() + " from " + arc.from();
        if (evidence == null) {
            c.notApplicable("data-fd." + pair, "the SET of the arc was not made (see " + arcId + ")");
        } else {
            c.add("data-fd." + pair, "arcs", set + (effect.opensDataFd() ? " returns a new data_fd"
                    : " returns no data_fd"), effect == ArcEffect.CONTINUES_FD ? Rule.SAVING_GROUP_FD
                            : Rule.DATA_FD_ARCS, status, evidence);
        }
        if (continued != null) {
            c.results.add(continued);
        }
    }

    /** The saving session's fd goes on into STOP_COPY: it still reads, and the rest of the state comes on it. */
    private CheckResult continues(CheckContext c, MigrationStream fd, boolean newFd) {
        String id = "saving-group.continues." + arc.from() + "-" + arc.to();
        String title = "after " + arc + " the data_fd of " + arc.from() + " streams the rest";
        CheckContext.Drain d = c.drain(fd, c.options.maxStreamBytes(), StreamIo.CHUNK, chunk -> true);
        Status s = d.error() == null && d.bytes() > 0 ? Status.PASS : Status.FAIL;
        String ev = "data_fd " + fd.fd() + " read in STOP_COPY: " + d.describe()
                + (newFd ? "; the SET also returned a new data_fd" : "; the SET returned no new data_fd");
        if (d.error() == null && d.bytes() == 0) {
            ev += ": no STOP_COPY data came on the session's fd";
        }
        return new CheckResult(id, "arcs", title, Rule.SAVING_GROUP_FD, s, ev);
    }
}

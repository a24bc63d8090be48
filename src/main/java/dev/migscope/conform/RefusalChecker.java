package dev.migscope.conform;

import dev.migscope.device.Errno;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.fsm.Refusal;
import java.util.Optional;

/**
 * Every SET the fsm refuses, sent anyway, from each state the device supports: the kernel must
 * refuse it with EINVAL and leave the device where it was. vfio.h: "ERROR cannot be specified as a
 * device state" ({@link Rule#ERROR_NOT_A_TARGET}); STOP_COPY -> PRE_COPY(_P2P) "are not permitted
 * and return error if requested" ({@link Rule#STOP_COPY_TO_PRE_COPY}); "The optional states cannot
 * be used with SET_STATE if the device does not support them" ({@link Rule#OPTIONAL_STATES}). A
 * refused SET that moved the device is judged by {@link Rule#FAILED_SET_STATE}.
 */
final class RefusalChecker implements Checker {

    @Override
    public void check(CheckContext c) {
        for (MigState from : c.states()) {
            for (MigState to : MigState.values()) {
                MigPath p = MigrationFsm.path(c.features(), from, to);
                if (p.isRefused()) {
                    refusal(c, p);
                }
            }
        }
    }

    private static void refusal(CheckContext c, MigPath p) {
        DeviceUnderTest dev = c.dev;
        String id = "refusal." + p.from() + "-" + p.to();
        Refusal why = p.refusal();
        Rule rule = switch (why) {
            case TARGET_IS_ERROR, FROM_ERROR -> Rule.ERROR_NOT_A_TARGET;
            case STOP_COPY_TO_PRE_COPY -> Rule.STOP_COPY_TO_PRE_COPY;
            default -> Rule.OPTIONAL_STATES;
        };
        String set = CheckContext.SET + p.to() + " from " + p.from();
        String title = set + " is refused with EINVAL ("
                + (why == Refusal.TARGET_NEEDS_FEATURE ? "the device lacks " + featureNames(c, p.to()) : why.reason())
                + ")";
        Optional<MigrationStream> before = Optional.empty();
        Optional<MigrationStream> after = Optional.empty();
        try {
            before = dev.reach(p.from());
            try {
                after = dev.session.setState(p.to());
            } catch (VfioException e) {
                String got = dev.getText();
                String ev = set + ": " + DeviceUnderTest.errno(e) + "; GET: " + got;
                if (!DeviceUnderTest.is(e, Errno.EINVAL)) {
                    c.add(id, "refusals", title, rule, Status.FAIL, ev + ": refused, but not with EINVAL");
                } else if (got.equals(p.from().name())) {
                    c.add(id, "refusals", title, rule, Status.PASS, ev);
                } else if (got.startsWith("GET failed")) {
                    c.add(id, "refusals", title, Rule.FAILED_SET_STATE, Status.FAIL, ev);
                } else {
                    c.add(id, "refusals", title, Rule.FAILED_SET_STATE, Status.WARN,
                            ev + ": the refused SET moved the device");
                }
                return;
            }
            c.add(id, "refusals", title, rule, Status.FAIL, set + " was accepted"
                    + after.map(f -> " with data_fd " + f.fd()).orElse("") + "; GET: " + dev.getText());
        } catch (VfioException e) {
            c.add(id, "refusals", title, rule, Status.FAIL,
                    "could not put the device in " + p.from() + ": " + e.error().describe());
        } finally {
            DeviceUnderTest.close(after);
            DeviceUnderTest.close(before);
        }
    }

    private static String featureNames(CheckContext c, MigState s) {
        return String.join("+", c.features().missingFor(s).stream().map(MigFeature::name).toList());
    }
}

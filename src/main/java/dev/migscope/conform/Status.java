package dev.migscope.conform;

import java.util.Locale;

/** The outcome of one check. */
public enum Status {
    /** The device did what the rule says. */
    PASS,
    /** The device broke the rule: a driver bug. */
    FAIL,
    /** Legal, but something a user should know (the estimate is low, a temporary end was not seen, ...). */
    WARN;

    /** {@code pass}, {@code fail}, {@code warn}: the JSON spelling. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}

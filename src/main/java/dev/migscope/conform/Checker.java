package dev.migscope.conform;

/**
 * One area of the uAPI's rules (the arcs, the refusals, PRE_COPY, ...), checked on the device of a
 * run. A checker adds its findings to the context, each tied to the {@link Rule} it comes from. It
 * may leave the device in any state: each check starts by bringing it where it needs it ({@link
 * DeviceUnderTest#reach}).
 */
interface Checker {

    void check(CheckContext c);
}

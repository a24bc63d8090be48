package dev.migscope.conform;

/**
 * One area of the uAPI's rules (the arcs, the refusals, PRE_COPY, ...), checked on the device of a
 * run. A checker adds its findings to the context, each tied to the {@link Rule} it comes from,
 * and leaves the device for the next one as it found it: any state, since each check starts by
 * bringing the device to where it needs it.
 */
interface Checker {

    void check(CheckContext c);
}

/**
 * Simulated VFIO migration devices that behave as kernel and driver would: the set-state loop of
 * mtty_set_state over {@link dev.migscope.fsm.MigrationFsm#nextStep}, data_fds carrying
 * verifiable records, a workload (dirty rate, link bandwidth, DMA writes) on an injectable
 * {@link dev.migscope.sim.SimClock}, and fault injection. Entry points: {@link
 * dev.migscope.sim.SimBackend} (the devices), {@link dev.migscope.sim.SimBackendProvider} (found by
 * the registry), {@link dev.migscope.sim.ManualClock} (tests and compressed-time benchmarks).
 */
package dev.migscope.sim;

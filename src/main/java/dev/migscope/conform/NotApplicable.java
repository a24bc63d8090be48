package dev.migscope.conform;

/** A check the run did not make for this device, and why (no PRE_COPY, no DMA logging, no --peer, ...). */
public record NotApplicable(String id, String reason) {
}

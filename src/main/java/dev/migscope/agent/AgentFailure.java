package dev.migscope.agent;

import dev.migscope.device.VfioError;

/** A request's failure as a value, through a CompletableFuture; the agent replies with its error. */
final class AgentFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient VfioError error;

    AgentFailure(VfioError error) {
        super(error.describe(), null, false, false);
        this.error = error;
    }
}

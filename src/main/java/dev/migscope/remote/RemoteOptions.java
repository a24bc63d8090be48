package dev.migscope.remote;

import java.time.Duration;

/**
 * How the far side opens a device for this side: a session's options as far as they cross.
 *
 * @param sim               list the simulated devices too (the CLI's {@code --sim})
 * @param armed             whether state-changing calls may reach the device from the start
 * @param kernelWalk        one SET of the target, the kernel walks the path (else one SET per arc)
 * @param sampleInterval    the far side's sampling period; samples are pushed at it
 * @param historyCapacity   samples this side keeps per metric
 * @param precopyMax        the longest PRE_COPY phase of a save
 * @param precopyThreshold  pending PRE_COPY bytes at or below which a save switches over
 * @param watchIfBusy       watch passively (debugfs) when another process holds the device
 */
public record RemoteOptions(boolean sim, boolean armed, boolean kernelWalk, Duration sampleInterval,
        int historyCapacity, Duration precopyMax, long precopyThreshold, boolean watchIfBusy) {
}

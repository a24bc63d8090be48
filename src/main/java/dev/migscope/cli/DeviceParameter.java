package dev.migscope.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What every command on one device declares ({@code @Mixin DeviceParameter dev}): the root command
 * whose methods open the device, the command's own spec, and its first positional parameter, DEV.
 * The bash completion completes DEV with the ids {@code migscope list --ids} prints.
 */
final class DeviceParameter {

    static final String LABEL = "DEV";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = LABEL, description = "Device id, as `migscope list` shows it.")
    String id;

    /**
     * The root command, from the command's spec: picocli injects a mixin's {@code @ParentCommand}
     * only into commands its annotations declare, not into those added one at a time.
     */
    MigscopeCli root() {
        return (MigscopeCli) spec.root().userObject();
    }
}

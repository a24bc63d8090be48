package dev.migscope.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every command on one device declares ({@code @Mixin DeviceParameter dev}): the root command
 * whose methods open the device, the command's own spec, and its first positional parameter, DEV.
 * The bash completion completes DEV with the ids {@code migscope list --ids} prints.
 */
final class DeviceParameter {

    static final String LABEL = "DEV";

    @ParentCommand
    MigscopeCli root;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = LABEL, description = "Device id, as `migscope list` shows it.")
    String id;
}

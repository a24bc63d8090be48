package dev.migscope.cli;

import dev.migscope.protocol.MigscopeVersion;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code migscope --version}: {@link MigscopeVersion}, the one the agent's greeting carries.
 */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"migscope " + version()};
    }

    static String version() {
        return MigscopeVersion.current();
    }
}

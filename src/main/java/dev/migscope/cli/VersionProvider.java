package dev.migscope.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code migscope --version}: the jar manifest's Implementation-Version; run from classes (an IDE,
 * the tests) it falls back to the pom's version, which the build writes into version.properties.
 */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"migscope " + version()};
    }

    static String version() {
        String v = MigscopeCli.class.getPackage().getImplementationVersion();
        if (v != null && !v.isBlank()) {
            return v;
        }
        try (InputStream in = MigscopeCli.class.getResourceAsStream("/dev/migscope/version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String pv = p.getProperty("version");
                if (pv != null && !pv.isBlank() && !pv.startsWith("${")) {
                    return pv;
                }
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }
}

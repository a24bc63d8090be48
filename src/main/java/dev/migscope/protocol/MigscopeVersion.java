package dev.migscope.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * This migscope's version, which the agent's greeting carries and the near side names when the
 * two differ: the jar manifest's Implementation-Version; run from classes (an IDE, the tests) the
 * pom's version, which the build writes into version.properties. In the protocol because both
 * ends of {@code --host} need it: the agent's hello (handed it by the CLI's {@code agent} command),
 * and the CLI and the window, which compare it with the far side's.
 */
public final class MigscopeVersion {

    private MigscopeVersion() {
    }

    public static String current() {
        String v = MigscopeVersion.class.getPackage().getImplementationVersion();
        if (v != null && !v.isBlank()) {
            return v;
        }
        try (InputStream in = MigscopeVersion.class.getResourceAsStream("/dev/migscope/version.properties")) {
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

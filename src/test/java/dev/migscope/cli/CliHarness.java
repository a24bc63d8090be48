package dev.migscope.cli;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.SimulationControls;
import dev.migscope.remote.SshSettings;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine;

/** Runs the CLI in this JVM through picocli's API, on one registry, capturing stdout and stderr. */
final class CliHarness {

    final DeviceRegistry registry;

    CliHarness(DeviceRegistry registry) {
        this.registry = registry;
    }

    /** A fresh registry of the backends on the class path (the simulator), simulated devices always listed. */
    static CliHarness simulated() {
        return new CliHarness(DeviceRegistry.load(true));
    }

    /** The simulator's standard devices alone, living by {@code clock}: a test on a ManualClock lets their time pass at once. */
    static CliHarness simulatedOn(SimClock clock) {
        return new CliHarness(new DeviceRegistry(List.of(), List.of(new SimBackend(clock)), true));
    }

    record Run(int code, String out, String err) {
        /** stderr's lines; a failure must be exactly one. */
        String[] errLines() {
            return err.isEmpty() ? new String[0] : err.split("\\R");
        }
    }

    Run run(String... args) {
        return run(sim -> registry, args);
    }

    /** Runs the CLI over any registry factory (its argument is the --sim flag). */
    static Run run(Function<Boolean, DeviceRegistry> registries, String... args) {
        return run(registries, SshSettings.defaults(), args);
    }

    /** The same, with how --host runs ssh. */
    static Run run(Function<Boolean, DeviceRegistry> registries, SshSettings ssh, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // the model MigscopeCli.run builds: only the command the arguments name
        CommandLine cl = MigscopeCli.commandLine(registries, false, ssh, MigscopeCli.commandsFor(args));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Changes a simulated device through the session API (the CLI and the tests never import sim). */
    void simulate(String id, Consumer<SimulationControls> action) throws Exception {
        try (MigrationSession s = MigrationSession.open(registry, id, SessionOptions.defaults())) {
            s.simulate(action).get();
        }
    }

    long digest(String id) throws Exception {
        AtomicLong d = new AtomicLong();
        simulate(id, c -> d.set(c.stateDigest()));
        return d.get();
    }

    /** A link fast enough that a save takes little wall time. */
    void fastLink(String... ids) throws Exception {
        for (String id : ids) {
            simulate(id, c -> c.setLinkBandwidth(8L << 30));
        }
    }
}

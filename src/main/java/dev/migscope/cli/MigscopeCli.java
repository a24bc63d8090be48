package dev.migscope.cli;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioException;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code migscope}: the headless front end. Every command gets its devices from one
 * {@link DeviceRegistry} and drives them through a {@link MigrationSession}; it only renders the
 * results the session returns.
 */
@Command(name = "migscope",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Inspect and drive VFIO device live migration (v2 uAPI).",
        subcommands = {ListCommand.class, ShowCommand.class, StateCommand.class, SetCommand.class,
            ResetCommand.class, SaveCommand.class, ResumeCommand.class, WatchCommand.class, FsmCommand.class,
            DemoCommand.class, ScreenshotCommand.class, WindowCommand.class, ConformCommand.class, AttachCommand.class},
        exitCodeListHeading = "%nExit codes:%n")
public final class MigscopeCli implements Callable<Integer> {

    @Option(names = "--sim", scope = ScopeType.INHERIT,
            description = "Always list the simulated devices (sim:*), also on a host with VFIO devices.")
    boolean sim;

    @Spec
    CommandSpec spec;

    private final Function<Boolean, DeviceRegistry> registries;
    private final boolean stderrIsTerminal;
    private DeviceRegistry registry;

    /**
     * @param registries       makes the registry; its argument says whether simulated devices are always listed
     * @param stderrIsTerminal whether progress lines may be drawn on stderr
     */
    MigscopeCli(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal) {
        this.registries = registries;
        this.stderrIsTerminal = stderrIsTerminal;
    }

    /** Runs the CLI on the backends found on the class path; returns the exit code. */
    public static int run(String... args) {
        return commandLine(DeviceRegistry::load, Terminal.stderrIsTerminal()).execute(args);
    }

    /** The command line over the given registry factory, with migscope's error handling. */
    static CommandLine commandLine(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal) {
        CommandLine cl = new CommandLine(new MigscopeCli(registries, stderrIsTerminal));
        cl.getCommandSpec().usageMessage().exitCodeList(exitCodes());
        cl.setParameterExceptionHandler(MigscopeCli::usageError);
        cl.setExecutionExceptionHandler(MigscopeCli::failure);
        return cl;
    }

    private static java.util.Map<String, String> exitCodes() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String line : ExitCode.HELP) {
            int colon = line.indexOf(':');
            m.put(String.format("%3s", line.substring(0, colon)), line.substring(colon + 1));
        }
        return m;
    }

    /** One line naming the problem and where to read more; never the usage wall. */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(ex.getMessage())
                + " (see: " + cmd.getCommandSpec().qualifiedName() + " --help)");
        err.flush();
        return ExitCode.USAGE;
    }

    private static int failure(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (ex instanceof CliFailure f) {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(f.getMessage()));
            err.flush();
            return f.exitCode();
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": internal error (a bug in migscope): " + oneLine(
                String.valueOf(ex)));
        err.flush();
        return ExitCode.INTERNAL;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", "; ").strip();
    }

    /** A bare {@code migscope --sim}: no command given. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    // ---------------------------------------------------------------- shared by the commands

    DeviceRegistry registry() {
        if (registry == null) {
            registry = registries.apply(sim);
        }
        return registry;
    }

    boolean stderrIsTerminal() {
        return stderrIsTerminal;
    }

    /** Opens {@code id}; a failure is exit code 3 with the open error's sentence. */
    MigrationSession open(String id, SessionOptions options) {
        try {
            return MigrationSession.open(registry(), id, options);
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe());
        }
    }

    /**
     * Opens {@code id}, or when another process holds it (EBUSY), watches it passively through the
     * backend (debugfs), as far as the backend can.
     */
    MigrationSession openOrWatch(String id, SessionOptions options) {
        try {
            return MigrationSession.open(registry(), id, options);
        } catch (VfioException e) {
            if (!e.error().is(Errno.EBUSY)) {
                throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe());
            }
            try {
                return MigrationSession.watch(registry(), id, options);
            } catch (VfioException w) {
                throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe()
                        + "; a passive watch is not possible either: " + w.error().message());
            }
        }
    }

    /** Waits for device-thread work; a device error that escapes as an exception becomes exit code 1. */
    static <T> T await(CompletableFuture<T> work) {
        try {
            return work.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(ExitCode.FAILED, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof VfioException) {
                throw new CliFailure(ExitCode.FAILED, VfioException.describe(e));
            }
            throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
        }
    }
}

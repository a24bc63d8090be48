package dev.migscope.cli;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioException;
import dev.migscope.device.Visible;
import dev.migscope.remote.HostException;
import dev.migscope.remote.RemoteHost;
import dev.migscope.remote.RemoteOptions;
import dev.migscope.remote.SafeName;
import dev.migscope.remote.SshSettings;
import dev.migscope.remote.SshTarget;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.session.TransitionMode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * {@link DeviceRegistry} and drives them through a {@link MigrationSession}, or with
 * {@code --host} through the {@link RemoteHost}'s agent; it only renders the results returned.
 */
@Command(name = "migscope",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Inspect and drive VFIO device live migration (v2 uAPI).",
        subcommands = {ListCommand.class, ShowCommand.class, StateCommand.class, SetCommand.class,
            ResetCommand.class, SaveCommand.class, ResumeCommand.class, WatchCommand.class, FsmCommand.class,
            DemoCommand.class, ScreenshotCommand.class, WindowCommand.class, ConformCommand.class,
            AttachCommand.class, AgentCommand.class},
        exitCodeListHeading = "%nExit codes:%n")
public final class MigscopeCli implements Callable<Integer> {

    @Option(names = "--sim", scope = ScopeType.INHERIT,
            description = "Always list the simulated devices (sim:*), also on a host with VFIO devices.")
    boolean sim;

    @Option(names = "--host", scope = ScopeType.INHERIT, paramLabel = "[USER@]HOST[:PORT]",
            converter = Converters.Host.class,
            description = "The devices of another host, through ssh (an ssh_config alias works too) and "
                    + "`migscope agent` there; see docs/REMOTE.md. `window` takes it more than once.")
    List<SshTarget> hosts = new ArrayList<>();

    @Spec
    CommandSpec spec;

    private final Function<Boolean, DeviceRegistry> registries;
    private final boolean stderrIsTerminal;
    private final SshSettings ssh;
    private DeviceRegistry registry;
    private RemoteHost remote;

    /**
     * @param registries       makes the registry; its argument says whether simulated devices are always listed
     * @param stderrIsTerminal whether progress lines may be drawn on stderr
     */
    MigscopeCli(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal, SshSettings ssh) {
        this.registries = registries;
        this.stderrIsTerminal = stderrIsTerminal;
        this.ssh = ssh;
    }

    /** Runs the CLI on the backends found on the class path; returns the exit code. */
    public static int run(String... args) {
        SshSettings ssh;
        try {
            ssh = SshSettings.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("migscope: " + oneLine(e.getMessage()));
            return ExitCode.USAGE;
        }
        return commandLine(DeviceRegistry::load, Terminal.stderrIsTerminal(), ssh).execute(args);
    }

    /** The command line over the given registry factory, with migscope's error handling. */
    static CommandLine commandLine(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal) {
        return commandLine(registries, stderrIsTerminal, SshSettings.defaults());
    }

    /** The same, with how {@code --host} runs ssh. */
    static CommandLine commandLine(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal,
            SshSettings ssh) {
        MigscopeCli root = new MigscopeCli(registries, stderrIsTerminal, ssh);
        CommandLine cl = new CommandLine(root);
        cl.getCommandSpec().usageMessage().exitCodeList(exitCodes());
        cl.setParameterExceptionHandler(MigscopeCli::usageError);
        cl.setExecutionExceptionHandler(MigscopeCli::failure);
        // The agent ends with the command: ending its stdin makes it close what it holds open.
        cl.setExecutionStrategy(parsed -> {
            try {
                return new CommandLine.RunLast().execute(parsed);
            } finally {
                root.disconnect();
            }
        });
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

    /** An error line: its line breaks joined with "; ", and every other control in it made visible. */
    static String oneLine(String s) {
        return s == null ? "" : Visible.of(s.replaceAll("\\s*\\R\\s*", "; ").strip());
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

    /** How registries are made (the agent makes one per --sim flag its requests carry). */
    Function<Boolean, DeviceRegistry> registries() {
        return registries;
    }

    boolean stderrIsTerminal() {
        return stderrIsTerminal;
    }

    /** The one {@code --host} of a command, or null; a device command works on one host, the window on several. */
    SshTarget host() {
        if (hosts.size() > 1) {
            throw new CliFailure(ExitCode.USAGE, "--host is given " + hosts.size() + " times: a command works on "
                    + "the devices of one host (only `migscope window` connects to several)");
        }
        return hosts.isEmpty() ? null : hosts.get(0);
    }

    /** The {@code --host}, connected on first use; empty without {@code --host}. */
    Optional<RemoteHost> remote() {
        if (host() == null) {
            return Optional.empty();
        }
        if (remote == null) {
            PrintWriter err = spec.commandLine().getErr();
            try {
                remote = RemoteHost.connect(host(), ssh, VersionProvider.version(), line -> {
                    err.println(Visible.of(line));
                    err.flush();
                });
            } catch (HostException e) {
                throw new CliFailure(ExitCode.NO_DEVICE, e.getMessage());
            }
        }
        return Optional.of(remote);
    }

    private void disconnect() {
        if (remote != null) {
            remote.close();
            remote = null;
        }
    }

    /**
     * Refuses, before anything is sent, a device id that would be more than a name on the far side;
     * here it is only looked up, so any id passes.
     */
    String checkedId(String id) {
        String problem = host() == null ? null : SafeName.deviceIdProblem(id);
        if (problem != null) {
            throw new CliFailure(ExitCode.USAGE, host().display() + ": " + problem);
        }
        return id;
    }

    /** The same for a path on the far side, e.g. {@code attach}'s sockets: refused before ssh runs. */
    String checkedPath(String what, String path) {
        String problem = host() == null ? null : SafeName.pathProblem(what, path);
        if (problem != null) {
            throw new CliFailure(ExitCode.USAGE, host().display() + ": " + problem);
        }
        return path;
    }

    /** The devices of this host, or of the {@code --host}. */
    List<DeviceInfo> devices() {
        Optional<RemoteHost> r = remote();
        if (r.isEmpty()) {
            return registry().list();
        }
        try {
            return r.get().list(sim);
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.FAILED, e.error().describe());
        }
    }

    Optional<DeviceInfo> find(String id) {
        checkedId(id);
        return host() == null ? registry().find(id) : devices().stream().filter(d -> d.id().equals(id)).findFirst();
    }

    /** Opens a session on this host for a command that needs one here (the demo drives the simulator's controls). */
    MigrationSession openHere(String command, String id, SessionOptions options) {
        if (host() != null) {
            throw new CliFailure(ExitCode.USAGE, command + " runs on this host only; run `migscope " + command
                    + "` on " + host().host() + " itself");
        }
        try {
            return MigrationSession.open(registry(), id, options);
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe());
        }
    }

    /** Opens {@code id}; a failure is exit code 3 with the open error's sentence. */
    OpenDevice open(String id, SessionOptions options) {
        return open(id, options, false);
    }

    /** Opens {@code id} here or on the {@code --host}; {@code watchIfBusy}: watch it passively when held (EBUSY). */
    OpenDevice tryOpen(String id, SessionOptions options, boolean watchIfBusy) throws VfioException {
        checkedId(id);
        Optional<RemoteHost> r = remote();
        if (r.isPresent()) {
            return OpenDevice.of(r.get().open(id, new RemoteOptions(sim, options.armed(),
                    options.mode() == TransitionMode.KERNEL, options.sampleInterval(),
                    options.historyCapacity(), options.precopyMax(), options.precopyThreshold(), watchIfBusy)));
        }
        return OpenDevice.of(MigrationSession.open(registry(), id, options));
    }

    /**
     * Opens {@code id}, or when another process holds it (EBUSY), watches it passively through the
     * backend (debugfs), as far as the backend can.
     */
    OpenDevice openOrWatch(String id, SessionOptions options) {
        if (host() != null) {
            return open(id, options, true);
        }
        try {
            return OpenDevice.of(MigrationSession.open(registry(), id, options));
        } catch (VfioException e) {
            if (!e.error().is(Errno.EBUSY)) {
                throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe());
            }
            try {
                return OpenDevice.of(MigrationSession.watch(registry(), id, options));
            } catch (VfioException w) {
                throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe()
                        + "; a passive watch is not possible either: " + w.error().message());
            }
        }
    }

    private OpenDevice open(String id, SessionOptions options, boolean watchIfBusy) {
        try {
            return tryOpen(id, options, watchIfBusy);
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe());
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

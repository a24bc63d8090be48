package dev.migscope.cli;

import dev.migscope.device.DeviceInfo;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioException;
import dev.migscope.host.Host;
import dev.migscope.host.LocalHost;
import dev.migscope.host.SshHost;
import dev.migscope.device.Visible;
import dev.migscope.remote.HostException;
import dev.migscope.remote.RemoteHost;
import dev.migscope.remote.SafeName;
import dev.migscope.remote.SshSettings;
import dev.migscope.remote.SshTarget;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.DeviceControl;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code migscope}: the headless front end. Every command runs against one {@link Host}: this
 * machine, or with {@code --host} another one through its agent. It opens devices there as
 * {@link DeviceView}s and only renders the results they return.
 */
@Command(name = "migscope",
        description = "Inspect and drive VFIO device live migration (v2 uAPI).")
public final class MigscopeCli implements Callable<Integer> {

    /** The commands, in the order the usage lists them. */
    static final List<Class<?>> COMMANDS = List.of(ListCommand.class, ShowCommand.class, StateCommand.class,
            SetCommand.class, ResetCommand.class, SaveCommand.class, ResumeCommand.class, WatchCommand.class,
            FsmCommand.class, DemoCommand.class, ScreenshotCommand.class, WindowCommand.class, ConformCommand.class,
            QemuStreamCommand.class, TapCommand.class, AttachCommand.class, AgentCommand.class,
            CommandLine.HelpCommand.class);

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
    private Host host;

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
        return commandLine(DeviceRegistry::load, Terminal.stderrIsTerminal(), ssh, commandsFor(args)).execute(args);
    }

    /**
     * The commands to build for these arguments: the one they name, when they name one after none
     * but the root's own options; else all (the usage, help, an unknown command, a mistyped option
     * need them all). picocli builds a command's model by reflection, about 15 ms a command in a new
     * JVM: all of them took 0.3 s of the 0.45 s of `migscope --help`, on every command.
     */
    static List<Class<?>> commandsFor(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--sim") || a.startsWith("--host=")) {
                continue;
            }
            if (a.equals("--host")) {
                i++;
                continue;
            }
            if (a.startsWith("-")) {
                return COMMANDS;
            }
            for (Class<?> c : COMMANDS) {
                Command command = c.getAnnotation(Command.class);
                if (c != CommandLine.HelpCommand.class
                        && (command.name().equals(a) || List.of(command.aliases()).contains(a))) {
                    return List.of(c);
                }
            }
            return COMMANDS;
        }
        return COMMANDS;
    }

    /** The command line over the given registry factory, with migscope's error handling. */
    static CommandLine commandLine(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal) {
        return commandLine(registries, stderrIsTerminal, SshSettings.defaults());
    }

    /** The same, with how {@code --host} runs ssh. */
    static CommandLine commandLine(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal,
            SshSettings ssh) {
        return commandLine(registries, stderrIsTerminal, ssh, COMMANDS);
    }

    /** The same with only these commands under the root ({@link #commandsFor}). */
    static CommandLine commandLine(Function<Boolean, DeviceRegistry> registries, boolean stderrIsTerminal,
            SshSettings ssh, List<Class<?>> commands) {
        MigscopeCli root = new MigscopeCli(registries, stderrIsTerminal, ssh);
        CommandLine cl = new CommandLine(root);
        commands.forEach(cl::addSubcommand);
        everyCommand(cl);
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

    /**
     * What users of picocli tools expect of each command, set here once so that a new command has it
     * too: -h/--help and -V/--version, and the exit codes in its usage and man page. picocli's help
     * command brings its own -h.
     */
    private static void everyCommand(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        if (!(spec.userObject() instanceof CommandLine.HelpCommand)) {
            spec.mixinStandardHelpOptions(true);
        }
        spec.versionProvider(new VersionProvider());
        spec.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes());
        cl.getSubcommands().values().forEach(MigscopeCli::everyCommand);
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

    // ---------------------------------------------------------------- choosing the host

    /** The one {@code --host} of a command, or null; a device command works on one host, the window on several. */
    SshTarget target() {
        if (hosts.size() > 1) {
            throw new CliFailure(ExitCode.USAGE, "--host is given " + hosts.size() + " times: a command works on "
                    + "the devices of one host (only `migscope window` connects to several)");
        }
        return hosts.isEmpty() ? null : hosts.get(0);
    }

    /** The host a command runs against: this machine, or the {@code --host}, connected on first use. */
    Host host() {
        if (host == null) {
            SshTarget t = target();
            if (t == null) {
                host = new LocalHost(registry(), VersionProvider.version());
            } else {
                PrintWriter err = spec.commandLine().getErr();
                try {
                    host = new SshHost(RemoteHost.connect(t, ssh, VersionProvider.version(), line -> {
                        err.println(Visible.of(line));
                        err.flush();
                    }), sim);
                } catch (HostException e) {
                    throw new CliFailure(ExitCode.NO_DEVICE, e.getMessage());
                }
            }
        }
        return host;
    }

    private void disconnect() {
        if (host != null) {
            host.close();
            host = null;
        }
    }

    /**
     * Refuses, before ssh runs, a device id that would be more than a name on the far side
     * ({@link SafeName}); on this machine it is only looked up, so any id passes.
     */
    String checkedId(String id) {
        return refusedThere(SafeName.deviceIdProblem(id), id);
    }

    /** The same for a path on the far side, e.g. {@code attach}'s sockets: refused before ssh runs. */
    String checkedPath(String what, String path) {
        return refusedThere(SafeName.pathProblem(what, path), path);
    }

    private String refusedThere(String problem, String value) {
        SshTarget t = target();
        if (t != null && problem != null) {
            throw new CliFailure(ExitCode.USAGE, t.display() + ": " + problem);
        }
        return value;
    }

    // ---------------------------------------------------------------- devices of the host

    /** The devices of the host. */
    List<DeviceInfo> devices() {
        try {
            return host().devices();
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.FAILED, e.error().describe());
        }
    }

    Optional<DeviceInfo> find(String id) {
        checkedId(id);
        try {
            return host().find(id);
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.FAILED, e.error().describe());
        }
    }

    /** Opens {@code id}; a failure is exit code 3 with the open error's sentence. */
    DeviceView open(String id, SessionOptions options) {
        return open(id, options, false);
    }

    /**
     * Opens {@code id}, or when another process holds it (EBUSY), watches it passively (debugfs),
     * as far as the host can.
     */
    DeviceView openOrWatch(String id, SessionOptions options) {
        return open(id, options, true);
    }

    /** Opens {@code id} on the host; {@code watchIfBusy}: watch it passively when held (EBUSY). */
    DeviceView tryOpen(String id, SessionOptions options, boolean watchIfBusy) throws VfioException {
        checkedId(id);
        return host().open(id, options, watchIfBusy);
    }

    private DeviceView open(String id, SessionOptions options, boolean watchIfBusy) {
        try {
            return tryOpen(id, options, watchIfBusy);
        } catch (VfioException e) {
            // A far side that answers garbage or goes silent is a failure, not a missing device.
            boolean broken = e.error().is(Errno.EPROTO) || e.error().is(Errno.ETIMEDOUT);
            throw new CliFailure(broken ? ExitCode.FAILED : ExitCode.NO_DEVICE, e.error().describe());
        }
    }

    /** The driving half of a device a command changes; a watched device has none, and says so. */
    static DeviceControl control(DeviceView v) {
        return v.control().orElseThrow(() -> new CliFailure(ExitCode.FAILED, v.id()
                + ": only watched (another process holds it): migscope changes nothing on it"));
    }

    /** The one line that says why a device can no longer be followed, once it is gone. */
    static String goneLine(DeviceView v) {
        return v.id() + ": " + v.lost().orElse("the device is gone");
    }

    /** Waits for device-thread work; a device error that escapes as an exception becomes exit code 1. */
    static <T> T await(CompletableFuture<T> work) {
        try {
            return VfioException.await(work, "device call");
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.FAILED, e.error().describe());
        }
    }
}

package dev.migscope.cli;

import dev.migscope.attachtap.AttachTap;
import dev.migscope.device.VfioException;
import dev.migscope.device.Visible;
import dev.migscope.host.LocalHost;
import dev.migscope.libvirt.LibvirtLink;
import dev.migscope.qemu.AttachRun;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.QemuControl;
import dev.migscope.qemu.QemuReport;
import dev.migscope.stream.StreamTap;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code migscope attach SOCKET...}: follow the migrations QEMUs run, read-only, over QMP. */
@Command(name = "attach", description = {
    "Follow QEMU migrations over QMP: connect to each QEMU's QMP UNIX socket (typically the source's and the "
            + "destination's) and print one line per event: VFIO_MIGRATION device states (with the steps the kernel "
            + "takes by itself), migration status changes, QEMU's other events. query-migrate is polled at 20 Hz "
            + "while a migration runs. Without --migrate, --cancel or --downtime-limit nothing is sent that changes "
            + "the VM.",
    "--migrate, --cancel and --downtime-limit arm the first SOCKET's QEMU (giving them is the act) and act on it "
            + "once attached: downtime-limit first, then the migration; the others are only followed.",
    "A QMP socket serves one client at a time: give QEMU a second -qmp unix:PATH,server=on,wait=off for migscope.",
    "--json prints one JSON object per line: time_us (QEMU's timestamp for its events), qemu, kind (attached, "
            + "event, device_state, status, warning, gone, command) and the members of that kind; the report comes "
            + "last with kind report.",
    "With --host the SOCKETs are paths on that host: migscope attaches there and prints here what a local attach "
            + "prints; --report FILE is written here.",
    "With --libvirt the arguments are libvirt domains (names or UUIDs) of the daemon at --connect (virsh's URI: "
            + "qemu:///system, the default; qemu:///session; qemu+ssh://HOST/system; with --host, "
            + "qemu+ssh://HOST/system): QEMU's events as libvirt forwards them, libvirt's job statistics in place of "
            + "query-migrate, the VFIO hostdevs of the domain XML. Nothing is sent to QEMU's monitor; --migrate "
            + "(a libvirt destination URI), --cancel and --downtime-limit go through libvirt's API.",
    "--tap LISTEN=FORWARD starts a tap (as `migscope tap LISTEN FORWARD`) with the attach: the source migrates to "
            + "LISTEN, the tap forwards to the destination's -incoming FORWARD, and each VFIO section it decodes "
            + "(0000:00:01.0/vfio) is the attached device of that guest PCI path (QMP's query-pci): its lines name "
            + "the device, its DATA_STATE bytes are the device's data throughput, and at the end it says per device "
            + "the precopy and stop-copy bytes it saw."})
final class AttachCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SOCKET", description = "QEMU's QMP socket (-qmp unix:SOCKET,...); "
            + "with --libvirt, a domain's name or UUID.")
    List<String> targets;

    @Option(names = "--libvirt", description = "The arguments are libvirt domains: follow them through libvirtd.")
    boolean libvirt;

    @Option(names = "--connect", paramLabel = "URI", description = "With --libvirt: the libvirt URI "
            + "(default qemu:///system; with --host, qemu+ssh://HOST/system).")
    String connect;

    @Option(names = "--json", description = "Print JSON lines instead of text.")
    boolean json;

    @Option(names = "--until-done", description = "Exit when every attached migration is over: 0 when all "
            + "completed, 1 when one failed or lost its QEMU; the report is printed.")
    boolean untilDone;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "Stop after this long (500ms, 10s, 2m); with --until-done a migration not over by then "
                    + "is exit code 1.")
    Duration timeout;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the report as JSON to FILE "
            + "(atomically: a temporary file, then a rename).")
    Path report;

    @Option(names = "--migrate", paramLabel = "URI", description = "Start a migration on the first SOCKET's QEMU "
            + "(QMP migrate) to the destination listening on URI (its -incoming: unix:PATH, tcp:HOST:PORT); with "
            + "--libvirt, the first domain's (virDomainMigrateToURI3, live, peer to peer) to the destination "
            + "libvirtd's URI (qemu+ssh://HOST/system).")
    String migrate;

    @Option(names = "--cancel", description = "Cancel the migration the first SOCKET's QEMU is running "
            + "(QMP migrate_cancel).")
    boolean cancel;

    @Option(names = "--downtime-limit", paramLabel = "MS", description = "Set the first SOCKET's QEMU's "
            + "downtime-limit (QMP migrate-set-parameters), in milliseconds as QEMU counts it.")
    Long downtimeLimitMs;

    @Option(names = "--tap", paramLabel = "LISTEN=FORWARD", converter = Converters.TapEnds.class,
            description = "Also tap the migration: listen on LISTEN (unix:PATH or tcp:HOST:PORT) and forward to the "
                    + "destination's -incoming FORWARD; the tap's VFIO sections feed the attached devices of the same "
                    + "guest PCI path. Not with --host (the tap runs here).")
    AttachTap.Ends tap;

    @Override
    public Integer call() throws InterruptedException {
        if (tap != null && root.target() != null) {
            throw new CliFailure(ExitCode.USAGE, "--tap runs the tap here, with an attach here: give it without "
                    + "--host (or run migscope tap on that host)");
        }
        if (migrate != null && cancel) {
            throw new CliFailure(ExitCode.USAGE, "--migrate and --cancel together: give one");
        }
        if (connect != null && !libvirt) {
            throw new CliFailure(ExitCode.USAGE, "--connect is libvirt's URI: give it with --libvirt");
        }
        PrintWriter out = spec.commandLine().getOut();
        targets.forEach(s -> root.checkedPath(libvirt ? "the domain" : "the socket path", s));
        if (connect != null) {
            root.checkedPath("the libvirt URI", connect);
        }
        List<Path> sockets = libvirt ? List.of() : targets.stream().map(Path::of).toList();
        AttachRun.Options options = new AttachRun.Options(sockets, untilDone, timeout, migrate, cancel,
                downtimeLimitMs);
        Consumer<Observation> printer = o -> print(out, o);
        if (migrate != null) {
            root.checkedPath("the migration URI", migrate);
        }
        // Refused here, so that nothing is sent to a QEMU (or a far side) that would only be told to run it.
        refuseUri();
        try {
            if (tap != null) {
                LocalHost here = (LocalHost) root.host();
                return ended(out, tapped(libvirt ? here.attachLibvirtRun(connect, targets, options, printer)
                        : here.attachRun(options, printer), printer));
            }
            return ended(out, libvirt ? root.host().attachLibvirt(connect, targets, options, printer)
                    : root.host().attach(options, printer));
        } catch (VfioException e) {
            throw new CliFailure(ExitCode.FAILED, e.error().describe());
        }
    }

    /**
     * The attach with its tap: listening before the first QEMU is reached (so a --migrate to LISTEN
     * finds it), its verdict after the attach's. A migration the tap saw start and not complete fails
     * the attach even when QEMU's side ended as asked.
     */
    private AttachRun.Result tapped(AttachRun run, Consumer<Observation> printer) throws InterruptedException {
        try (run; AttachTap t = new AttachTap(tap, run::qemus, printer)) {
            try {
                t.start();
            } catch (IOException e) {
                throw new CliFailure(ExitCode.FAILED, "--tap: cannot start the tap on " + tap.listen() + ": "
                        + Visible.of(String.valueOf(e.getMessage())));
            }
            AttachRun.Result r;
            try (OnInterrupt hook = new OnInterrupt("migscope-tap-interrupt", () -> {
                // Ctrl-C: the tap closes both sides (each QEMU sees its migration fail), removes its
                // socket file and says what it saw, before the JVM ends
                t.close();
                try {
                    t.ended().get(10, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    // exiting anyway
                }
            })) {
                r = run.run();
            }
            StreamTap.Result seen = t.finish();
            if (r.ending() == AttachRun.Ending.OK && seen.fromSource() > 0 && !seen.completed()) {
                return new AttachRun.Result(AttachRun.Ending.FAILED, "the tap: " + seen.verdict(), r.report());
            }
            return r;
        }
    }

    /** A --migrate URI migscope would not send (QemuControl's allow-list) is exit 1 before any QEMU is reached. */
    private void refuseUri() {
        if (migrate != null) {
            (libvirt ? LibvirtLink.uriRefusalOf(migrate) : QemuControl.uriRefusal(migrate)).ifPresent(why -> {
                throw new CliFailure(ExitCode.FAILED, "--migrate: " + why);
            });
        }
    }

    /**
     * Prints the report, writes it (not when the host went out of reach: no partial file), and
     * turns the ending into the exit code.
     */
    private int ended(PrintWriter out, AttachRun.Result r) {
        switch (r.ending()) {
            case NOT_ATTACHED -> throw new CliFailure(ExitCode.NO_DEVICE, r.message());
            case REFUSED -> throw new CliFailure(ExitCode.FAILED, r.message());
            default -> {
                if (r.report() != null) {
                    printReport(out, r.report());
                    if (report != null && r.ending() != AttachRun.Ending.LOST) {
                        write(r.report());
                    }
                }
                if (r.ending() != AttachRun.Ending.OK) {
                    throw new CliFailure(ExitCode.FAILED, r.message());
                }
                return ExitCode.OK;
            }
        }
    }

    private void print(PrintWriter out, Observation o) {
        synchronized (out) {
            out.println(json ? o.toJson() : o.format());
            out.flush();
        }
    }

    private void printReport(PrintWriter out, QemuReport r) {
        synchronized (out) {
            if (json) {
                out.println(r.json().put("kind", "report"));
            } else {
                out.print("\n" + r.text());
            }
            out.flush();
        }
    }

    private void write(QemuReport r) {
        try {
            r.write(report);
        } catch (IOException | RuntimeException e) {
            throw new CliFailure(ExitCode.FILE, "cannot write the report to " + report + ": " + e.getMessage());
        }
    }
}

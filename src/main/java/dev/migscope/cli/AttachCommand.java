package dev.migscope.cli;

import dev.migscope.qemu.AttachedQemu;
import dev.migscope.qemu.AttachedQemu.Outcome;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.QemuControl;
import dev.migscope.qemu.QemuReport;
import dev.migscope.qemu.QmpError;
import dev.migscope.qemu.QmpException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
            + "last with kind report."})
final class AttachCommand implements Callable<Integer> {

    /** How long QEMU may take to greet and to answer a query. */
    static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "SOCKET", description = "QEMU's QMP socket (-qmp unix:SOCKET,...).")
    List<Path> sockets;

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
            + "(QMP migrate) to the destination listening on URI (its -incoming: unix:PATH, tcp:HOST:PORT).")
    String migrate;

    @Option(names = "--cancel", description = "Cancel the migration the first SOCKET's QEMU is running "
            + "(QMP migrate_cancel).")
    boolean cancel;

    @Option(names = "--downtime-limit", paramLabel = "MS", description = "Set the first SOCKET's QEMU's "
            + "downtime-limit (QMP migrate-set-parameters), in milliseconds as QEMU counts it.")
    Long downtimeLimitMs;

    @Override
    public Integer call() throws InterruptedException {
        if (migrate != null && cancel) {
            throw new CliFailure(ExitCode.USAGE, "--migrate and --cancel together: give one");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<AttachedQemu> qemus = new ArrayList<>();
        try {
            for (Path socket : sockets) {
                qemus.add(AttachedQemu.attach(socket, QMP_TIMEOUT,
                        root.registry(), o -> print(out, o)));
            }
            act(out, new QemuControl(qemus.get(0)));
            boolean timedOut = !await(qemus);
            QemuReport r = QemuReport.of(qemus);
            printReport(out, r);
            if (report != null) {
                write(r);
            }
            return verdict(qemus, timedOut);
        } catch (QmpException e) {
            throw new CliFailure(ExitCode.NO_DEVICE, e.error().describe());
        } finally {
            qemus.forEach(AttachedQemu::close);
        }
    }

    /** The flags' commands, on the first QEMU, armed by them; a refusal is exit 1 and sends nothing more. */
    private void act(PrintWriter out, QemuControl first) {
        if (migrate == null && !cancel && downtimeLimitMs == null) {
            return;
        }
        first.setArmed(true);
        try {
            if (downtimeLimitMs != null) {
                print(out, first.setDowntimeLimit(downtimeLimitMs));
            }
            if (migrate != null) {
                print(out, first.migrate(migrate));
            }
            if (cancel) {
                print(out, first.cancel());
            }
        } catch (QmpException e) {
            throw new CliFailure(ExitCode.FAILED, first.qemu().name() + ": " + e.error().message()
                    + (sockets.size() > 1 && e.error().kind() == QmpError.Kind.REFUSED
                            ? " (the flags act on the first SOCKET, " + first.qemu().socket() + ")" : ""));
        }
    }

    /** Waits until done (or every QEMU gone without --until-done); false when the timeout came first. */
    private boolean await(List<AttachedQemu> qemus) throws InterruptedException {
        CompletableFuture<?> all = CompletableFuture.allOf(qemus.stream()
                .map(q -> untilDone ? q.outcome() : q.gone()).toArray(CompletableFuture[]::new));
        try {
            if (timeout == null) {
                all.get();
            } else {
                all.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private int verdict(List<AttachedQemu> qemus, boolean timedOut) {
        List<String> bad = new ArrayList<>();
        for (AttachedQemu q : qemus) {
            Outcome o = q.outcome().getNow(null);
            if (o == Outcome.FAILED) {
                bad.add(q.name() + ": migration " + q.runs().get(q.runs().size() - 1).status()
                        + errorDesc(q));
            } else if (o == Outcome.GONE) {
                bad.add(q.name() + ": " + q.ended());
            } else if (o == null && timedOut && untilDone) {
                bad.add(q.name() + ": not done after " + Format.seconds(timeout.toMillis() / 1e3) + " (migration "
                        + (q.runs().isEmpty() ? "not started" : q.runs().get(q.runs().size() - 1).status()) + ")");
            }
        }
        if (!bad.isEmpty()) {
            throw new CliFailure(ExitCode.FAILED, String.join("; ", bad));
        }
        return ExitCode.OK;
    }

    private static String errorDesc(AttachedQemu q) {
        String e = q.runs().get(q.runs().size() - 1).info().errorDesc();
        return e == null ? "" : ": " + e;
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

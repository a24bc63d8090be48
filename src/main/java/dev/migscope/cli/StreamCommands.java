package dev.migscope.cli;

import dev.migscope.telemetry.Bytes;
import dev.migscope.view.TransitionResult;
import dev.migscope.device.VfioError;
import dev.migscope.fsm.MigState;
import dev.migscope.view.Cancellation;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** What save and resume share: progress, Ctrl-C, the report and the failure line. */
final class StreamCommands {

    private StreamCommands() {
    }

    /**
     * Runs a save or resume; Ctrl-C cancels it so that the session unwinds (no partial file, the
     * device taken back or reset) before the JVM exits.
     */
    static StreamResult run(MigscopeCli root, PrintWriter err,
            Function<StreamArgs, CompletableFuture<StreamResult>> work) {
        ProgressLine line = root.stderrIsTerminal() ? new ProgressLine(err) : null;
        Cancellation cancel = new Cancellation();
        CompletableFuture<StreamResult> f = work.apply(new StreamArgs(line == null ? Progress.NONE : line, cancel));
        try (OnInterrupt hook = new OnInterrupt("migscope-cancel", () -> {
            cancel.cancel();
            try {
                f.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                // exiting anyway; the kernel closes the device with the process
            }
        })) {
            return MigscopeCli.await(f);
        } finally {
            if (line != null) {
                line.finish();
            }
        }
    }

    record StreamArgs(Progress progress, Cancellation cancel) {
    }

    /** The exit code of a failed save or resume: a file problem when the failed call names the file. */
    static int exitCode(StreamResult r, Path file) {
        VfioError e = r.error();
        return e != null && e.call() != null && e.call().endsWith(file.toString()) ? ExitCode.FILE : ExitCode.FAILED;
    }

    /**
     * The one stderr line: the error, and where the device is now; or, once it cannot be asked any
     * more ({@code gone}: the device or the connection to its host went away), where it last was.
     */
    static String failureLine(StreamResult r, boolean gone) {
        String what = r.error() != null ? r.error().describe() : "cancelled";
        return what + (gone ? "; last known state " : "; device is ")
                + (r.finalState() == null ? "in an unknown state (GET failed)" : r.finalState());
    }

    static void printTransitions(PrintWriter out, StreamResult r) {
        for (TransitionResult t : r.transitions()) {
            StringBuilder sb = new StringBuilder("  ").append(t.from()).append(" -> ").append(t.requested());
            if (!t.steps().isEmpty()) {
                sb.append("  via ").append(t.steps().get(0).from());
                t.steps().forEach(s -> sb.append('>').append(s.to()));
            }
            sb.append("  ").append(Format.millis(t.duration()));
            if (t.dataFd() >= 0) {
                sb.append("  data_fd=").append(t.dataFd());
            }
            if (!t.ok()) {
                sb.append("  failed");
            }
            out.println(sb);
        }
    }

    static String phases(StreamResult r) {
        StringBuilder sb = new StringBuilder();
        for (StreamResult.PhaseBytes p : r.bytesByPhase()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(p.phase()).append(' ').append(p.bytes()).append(" B");
        }
        return sb + String.format(Locale.ROOT, " (%s) in %.2f s", Bytes.format(r.totalBytes()),
                r.duration().toNanos() / 1e9);
    }

    static String finalState(MigState s) {
        return "device is " + (s == null ? "in an unknown state (GET failed)" : s);
    }
}

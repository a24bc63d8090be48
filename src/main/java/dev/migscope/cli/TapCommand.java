package dev.migscope.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.stream.Section;
import dev.migscope.stream.StreamDecoder;
import dev.migscope.stream.StreamException;
import dev.migscope.stream.StreamReport;
import dev.migscope.stream.StreamTap;
import dev.migscope.stream.TapEndpoint;
import dev.migscope.stream.TapPass;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code migscope tap LISTEN FORWARD}: forwards a live migration unchanged and shows what it carries. */
@Command(name = "tap", description = {
    "Tap a live migration: the source QEMU migrates to LISTEN (`migrate unix:PATH` or `tcp:HOST:PORT`), "
            + "migscope forwards every byte unchanged, both ways, to FORWARD (the destination's `-incoming`), "
            + "and decodes a copy of the main channel as it passes: each VFIO device's bytes per pass and "
            + "RAM's, live, then a summary as `migscope stream` prints it.",
    "Multifd channels are forwarded and counted per channel (and whether they carry VFIO device state). "
            + "The tap sends nothing of its own. If either side drops before the stream's end, it closes the "
            + "other side's connection, so that QEMU there fails too, and says which side dropped after how "
            + "many bytes (exit 1). Exit 0 only when the destination got the whole stream and both sides "
            + "closed. Ctrl-C closes both sides."})
final class TapCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "LISTEN-URI", converter = Converters.TapUri.class,
            description = "Where the source migrates to: unix:PATH (the tap makes the socket) or tcp:HOST:PORT.")
    TapEndpoint listen;

    @Parameters(index = "1", paramLabel = "FORWARD-URI", converter = Converters.TapUri.class,
            description = "The destination's -incoming: unix:PATH or tcp:HOST:PORT.")
    TapEndpoint forward;

    @Option(names = "--save", paramLabel = "FILE", description = "Keep the main channel's stream as it passed "
            + "(readable by `migscope stream`); written only when the migration completed, else no file.")
    Path save;

    @Option(names = "--json", description = "JSON lines: one object per event (channel, pass, decoding "
            + "stopped), then one with the verdict and the summary.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        StreamTap tap = new StreamTap(listen, forward, save, new Live(out, json));
        TapEndpoint at;
        try {
            at = tap.start();
        } catch (IOException e) {
            int code = save != null && e instanceof java.nio.file.FileSystemException f && f.getFile() != null
                    && f.getFile().contains(save.getFileName().toString()) ? ExitCode.FILE : ExitCode.FAILED;
            throw new CliFailure(code, "cannot start the tap on " + listen + ": "
                    + Visible.of(String.valueOf(e.getMessage())));
        }
        emit(out, json ? Json.object().put("event", "listening").put("listen", at.toString())
                .put("forward", forward.toString()) : null,
                "tap: listening on " + at + ", forwarding to " + forward);
        java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
        StreamTap.Result r;
        try (OnInterrupt hook = new OnInterrupt("migscope-tap-interrupt", () -> {
            // Ctrl-C: both sides closed, the verdict printed below before the JVM ends
            tap.close();
            try {
                reported.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            r = tap.await();
        }
        report(out, r);
        if (!r.completed()) {
            // Printed here, not by the failure handler: after Ctrl-C the JVM ends once the hook returns.
            PrintWriter err = spec.commandLine().getErr();
            err.println(spec.qualifiedName() + ": " + MigscopeCli.oneLine(r.verdict()));
            err.flush();
        }
        reported.countDown();
        return r.completed() ? ExitCode.OK : ExitCode.FAILED;
    }

    private void report(PrintWriter out, StreamTap.Result r) {
        if (json) {
            ObjectNode end = Json.object().put("event", "end").put("completed", r.completed())
                    .put("verdict", r.verdict()).put("main_bytes", r.fromSource()).put("delivered", r.delivered())
                    .put("return_path_bytes", r.toSource()).put("other_channels", r.otherChannels());
            var m = end.putArray("multifd");
            r.multifd().forEach(c -> {
                var o = m.addObject().put("channel", c.id()).put("bytes", c.bytes()).put("ram_packets", c.ramPackets())
                        .put("pages", c.pages()).put("zero_pages", c.zeroPages())
                        .put("device_state_packets", c.deviceStatePackets());
                var d = o.putObject("device_state_bytes");
                c.deviceStateBytes().forEach((k, v) -> d.put(Visible.of(k), v));
            });
            end.set("notes", Json.strings(r.notes()));
            r.saved().ifPresent(p -> end.put("saved", p.toString()));
            if (r.summary() != null) {
                end.set("summary", StreamReport.json(r.summary(), Optional.empty(), -1));
            }
            out.println(Json.write(end));
        } else {
            if (r.summary() != null) {
                out.println();
                out.print(StreamReport.text(r.summary(), Optional.empty(), -1));
            }
            out.printf("%nmain channel: %,d bytes from the source, %,d delivered, %,d on the return path%n",
                    r.fromSource(), r.delivered(), r.toSource());
            r.multifdLines().forEach(out::println);
            if (r.otherChannels() > 0) {
                out.println(r.otherChannels() + " other connections (neither main nor multifd), forwarded");
            }
            r.notes().forEach(n -> out.println("note: " + n));
            r.saved().ifPresent(p -> out.println("saved " + Visible.of(p.toString())));
            if (r.completed()) {
                out.println("tap: " + r.verdict());
            }
        }
        out.flush();
    }

    private static void emit(PrintWriter out, ObjectNode json, String text) {
        synchronized (out) {
            out.println(json != null ? Json.write(json) : text);
            out.flush();
        }
    }

    /** The live lines, printed on the decoder's thread as sections pass. */
    private static final class Live implements StreamTap.Listener {
        private final PrintWriter out;
        private final boolean json;
        private final TapPass.Watcher watcher = new TapPass.Watcher();

        Live(PrintWriter out, boolean json) {
            this.out = out;
            this.json = json;
        }

        @Override
        public void channel(int number, String kind) {
            emit(out, json ? Json.object().put("event", "channel").put("connection", number).put("kind", kind) : null,
                    "connection " + number + ": " + kind + " channel");
        }

        @Override
        public void section(Section s, StreamDecoder d) {
            for (TapPass p : watcher.passes(s, d)) {
                emit(out, json ? p.json() : null, p.text());
            }
        }

        @Override
        public void decodingStopped(StreamException e) {
            emit(out, json ? Json.object().put("event", "decoding_stopped").put("offset", e.offset())
                    .put("reason", e.getMessage()) : null,
                    "decoding stopped at " + e.line() + "; forwarding goes on");
        }
    }
}

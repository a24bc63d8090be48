package dev.migscope.attachtap;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.qemu.AttachedQemu;
import dev.migscope.qemu.Observation;
import dev.migscope.qemu.ObservedDevice;
import dev.migscope.stream.Pass;
import dev.migscope.stream.Section;
import dev.migscope.stream.StreamDecoder;
import dev.migscope.stream.StreamException;
import dev.migscope.stream.StreamTap;
import dev.migscope.stream.TapEndpoint;
import dev.migscope.stream.TapPass;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link StreamTap} started with an attach ({@code attach --tap}, the window's Tap…): each VFIO
 * section the tap decodes ({@code 0000:00:01.0/vfio}) is the attached QEMUs' device with that guest
 * PCI path ({@link ObservedDevice#pciPath()}), the source's and the destination's alike, and its
 * DATA_STATE bytes as they pass are that device's data throughput ({@link ObservedDevice#dataMoved}).
 */
public final class AttachTap implements StreamTap.Listener, AutoCloseable {

    /** After the attach ends, how long the tap may take to see both sides close (StreamTap's own grace). */
    static final long FINISH_SECONDS = 40;
    private static final String VFIO_SUFFIX = "/vfio";

    /** {@code LISTEN=FORWARD}: where the source migrates to, and the destination's {@code -incoming}. */
    public record Ends(TapEndpoint listen, TapEndpoint forward) {

        /** Splits at the {@code =} a {@code unix:} or {@code tcp:} URI follows (a unix path may hold {@code =}). */
        public static Ends parse(String spec) {
            int at = -1;
            for (String scheme : List.of("=unix:", "=tcp:")) {
                int i = spec.indexOf(scheme);
                if (i > 0 && (at < 0 || i < at)) {
                    at = i;
                }
            }
            if (at < 0) {
                throw new IllegalArgumentException("'" + Visible.of(spec) + "' is not LISTEN=FORWARD (two URIs, "
                        + "unix:PATH or tcp:HOST:PORT, e.g. unix:/tmp/tap.sock=unix:/tmp/dst.sock)");
            }
            return new Ends(TapEndpoint.parse(spec.substring(0, at)), TapEndpoint.parse(spec.substring(at + 1)));
        }
    }

    private final Ends ends;
    private final Supplier<List<AttachedQemu>> qemus;
    private final Consumer<Observation> observer;
    private final StreamTap tap;
    private final TapPass.Watcher watcher = new TapPass.Watcher();
    private final Set<String> unmapped = new HashSet<>();
    private CompletableFuture<StreamTap.Result> result;
    private volatile boolean connected;

    /**
     * @param qemus    the attached QEMUs now (they come as the attach reaches them)
     * @param observer gets the tap's lines, as the attach's observations; called on the tap's threads
     */
    public AttachTap(Ends ends, Supplier<List<AttachedQemu>> qemus, Consumer<Observation> observer) {
        this.ends = ends;
        this.qemus = qemus;
        this.observer = observer;
        this.tap = new StreamTap(ends.listen(), ends.forward(), null, this);
    }

    /** Listens; returns where (a {@code tcp:HOST:0} gets its port). */
    public TapEndpoint start() throws IOException {
        TapEndpoint at = tap.start();
        result = CompletableFuture.supplyAsync(() -> {
            try {
                return tap.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("the tap was interrupted", e);
            }
        }, r -> {
            Thread t = new Thread(r, "migscope-attach-tap");
            t.setDaemon(true);
            t.start();
        }).thenApply(this::said);
        observer.accept(Observation.tap("listening on " + at + ", forwarding to " + ends.forward()
                + "; its VFIO sections are the attached devices of the same guest PCI path",
                Json.object().put("event", "listening").put("listen", at.toString())
                        .put("forward", ends.forward().toString())));
        return at;
    }

    @Override
    public void channel(int number, String kind) {
        connected = true;
        observer.accept(Observation.tap("connection " + number + ": " + kind + " channel",
                Json.object().put("event", "channel").put("connection", number).put("kind", kind)));
    }

    @Override
    public void section(Section s, StreamDecoder d) {
        for (TapPass p : watcher.passes(s, d)) {
            if (p.isRam()) {
                continue;
            }
            List<ObservedDevice> to = devicesAt(pciPathOf(p.device()));
            if (p.phase() != Pass.Phase.SETUP) {
                to.forEach(o -> o.dataMoved(p.bytes(), p.phase() == Pass.Phase.STOP_COPY));
            }
            ObjectNode j = p.json();
            j.putArray("devices").addAll(to.stream().map(o -> Json.object().put("device", o.device().label())
                    .put("id", o.id())).toList());
            String line = p.text() + (to.isEmpty() ? "" : " -> " + String.join(", ", to.stream()
                    .map(o -> o.id()).toList()));
            observer.accept(Observation.tap(line, j));
            if (to.isEmpty() && unmapped.add(p.device())) {
                observer.accept(Observation.tap(Visible.of(p.device()) + ": " + whyUnmapped(),
                        Json.object().put("event", "unmapped").put("section", Visible.of(p.device()))
                                .put("reason", whyUnmapped())));
            }
        }
    }

    @Override
    public void decodingStopped(StreamException e) {
        observer.accept(Observation.tap("decoding stopped at " + e.line() + "; forwarding goes on",
                Json.object().put("event", "decoding_stopped").put("offset", e.offset()).put("reason", e.getMessage())));
    }

    /** {@code 0000:00:01.0} of {@code 0000:00:01.0/vfio}; empty when the name is not a VFIO section's. */
    static String pciPathOf(String section) {
        return section.endsWith(VFIO_SUFFIX) ? section.substring(0, section.length() - VFIO_SUFFIX.length()) : "";
    }

    private List<ObservedDevice> devicesAt(String pciPath) {
        List<ObservedDevice> l = new ArrayList<>();
        if (pciPath.isEmpty()) {
            return l;
        }
        for (AttachedQemu q : qemus.get()) {
            for (ObservedDevice o : q.devices()) {
                if (o.pciPath().equals(pciPath)) {
                    l.add(o);
                }
            }
        }
        return l;
    }

    private String whyUnmapped() {
        List<String> blind = new ArrayList<>();
        for (AttachedQemu q : qemus.get()) {
            for (ObservedDevice o : q.devices()) {
                if (o.pciPath().isEmpty()) {
                    blind.add(o.id());
                }
            }
        }
        return "no attached device has this guest PCI path"
                + (blind.isEmpty() ? "" : "; the PCI path of " + String.join(", ", blind) + " is unknown (QMP's "
                        + "query-pci did not name it; libvirt forwards no query-pci), so the tap cannot map it");
    }

    /** Completes with the tap's verdict once it ended, after its lines for each device and the verdict. */
    public CompletableFuture<StreamTap.Result> ended() {
        return result;
    }

    /**
     * After the attach: waits for the tap's verdict (closing it at once when no migration came, and
     * when the one that came has not ended in {@link #FINISH_SECONDS}); returns it.
     */
    public StreamTap.Result finish() throws InterruptedException {
        if (!connected) {
            tap.close();
        }
        try {
            try {
                return result.get(FINISH_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                tap.close();
                return result.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Says per device what the tap saw of it, then the verdict. */
    private StreamTap.Result said(StreamTap.Result r) {
        for (AttachedQemu q : qemus.get()) {
            for (ObservedDevice o : q.devices()) {
                o.tapBytes().ifPresent(b -> observer.accept(Observation.tap(String.format(java.util.Locale.ROOT,
                        "%s (%s): precopy %,d bytes, stop-copy %,d bytes", o.id(), o.pciPath(), b.precopy(),
                        b.stopCopy()), Json.object().put("event", "device").put("id", o.id())
                                .put("device", o.device().label()).put("pci_path", o.pciPath())
                                .put("precopy_bytes", b.precopy()).put("stop_copy_bytes", b.stopCopy()))));
            }
        }
        observer.accept(Observation.tap(r.verdict(), Json.object().put("event", "end").put("completed", r.completed())
                .put("verdict", r.verdict()).put("main_bytes", r.fromSource()).put("delivered", r.delivered())));
        return r;
    }

    /** Closes both sides (the attach was stopped); {@link #finish} then returns at once. */
    @Override
    public void close() {
        tap.close();
    }
}

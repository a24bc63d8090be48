package dev.migscope.qemu;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.qemu.AttachedQemu.Outcome;
import dev.migscope.telemetry.Seconds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One {@code migscope attach}, wherever it runs: attaches to each socket, acts on the first QEMU
 * when the options arm it, follows until done (or every QEMU gone, or the timeout), and ends with
 * the report and a verdict. The CLI runs it here; {@code migscope agent} runs it on the host the
 * sockets are on (with that host's registry) for {@code --host}, so both print the same.
 */
public final class AttachRun implements AutoCloseable {

    /**
     * What {@code migscope attach} was given.
     *
     * @param timeout         null: no limit
     * @param migrate         the destination URI to start a migration to, or null
     * @param downtimeLimitMs null: leave QEMU's downtime-limit as it is
     */
    public record Options(List<Path> sockets, boolean untilDone, Duration timeout, String migrate, boolean cancel,
            Long downtimeLimitMs) {

        public Options {
            sockets = List.copyOf(sockets);
        }

        boolean arms() {
            return migrate != null || cancel || downtimeLimitMs != null;
        }
    }

    public enum Ending {
        /** Followed to the end asked for; the report. */
        OK,
        /** A migration failed, a QEMU went away or the timeout came first (with --until-done); the report. */
        FAILED,
        /** A socket could not be attached to (no QMP there, permission, too old...); no report. */
        NOT_ATTACHED,
        /** QEMU or migscope refused what the arming options asked; nothing more was sent, no report. */
        REFUSED,
        /**
         * The host that ran it went out of reach (over {@code --host}): the report is the last one that
         * arrived, marked partial, or null when none had.
         */
        LOST;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Ending ofWire(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * @param message the one line for the user, null when OK
     * @param report  null when it ended before following (NOT_ATTACHED, REFUSED)
     */
    public record Result(Ending ending, String message, QemuReport report) {
    }

    /**
     * How long QEMU may stay silent before it greets, and take to answer a query, without
     * {@code --timeout}: a loaded host's QEMU can take seconds to greet one more client.
     */
    public static final Duration QMP_TIMEOUT = Duration.ofSeconds(30);

    private final Options options;
    private final List<QemuLink.Target> targets;
    private final DeviceRegistry registry;
    private final Consumer<Observation> observer;
    private final List<AttachedQemu> qemus = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * @param registry the devices of the host the sockets are on
     * @param observer gets every observation (QEMU's and the arming commands'); called on QEMUs' threads
     */
    public AttachRun(Options options, DeviceRegistry registry, Consumer<Observation> observer) {
        this(options, options.sockets().stream().map(QemuLink.Target::socket).toList(), registry, observer);
    }

    /** An attach to these QEMUs (libvirt's domains, say) with the options' following and arming. */
    public AttachRun(Options options, List<QemuLink.Target> targets, DeviceRegistry registry,
            Consumer<Observation> observer) {
        this.options = options;
        this.targets = List.copyOf(targets);
        this.registry = registry;
        this.observer = observer;
    }

    /** Attaches, acts, follows, and ends with the result; the QEMUs are detached when it returns. */
    public Result run() throws InterruptedException {
        try {
            for (QemuLink.Target t : targets) {
                if (closed) {
                    throw new InterruptedException("detached");
                }
                qemus.add(AttachedQemu.attach(t.opener(), t.where(), qmpTimeout(), registry, observer));
            }
            if (closed) {
                throw new InterruptedException("detached");
            }
            String refused = act(new QemuControl(qemus.get(0)));
            if (refused != null) {
                return new Result(Ending.REFUSED, refused, null);
            }
            boolean timedOut = !await();
            QemuReport r = QemuReport.of(qemus);
            String bad = verdict(timedOut);
            return new Result(bad == null ? Ending.OK : Ending.FAILED, bad, r);
        } catch (QmpException e) {
            // A QEMU that answered past a bound or against QAPI was reached: that is a failure, not a missing QEMU.
            return new Result(switch (e.error().kind()) {
                case LIMIT, MALFORMED, TRUNCATED -> Ending.FAILED;
                default -> Ending.NOT_ATTACHED;
            }, e.error().describe(), null);
        } finally {
            close();
        }
    }

    /** The greeting and reply wait: {@code --timeout} when given, else {@link #QMP_TIMEOUT}. */
    private Duration qmpTimeout() {
        return options.timeout() == null ? QMP_TIMEOUT : options.timeout();
    }

    /** The report of what was seen until now (empty before the first QEMU is attached); any thread. */
    public QemuReport reportSoFar() {
        return QemuReport.of(List.copyOf(qemus));
    }

    /** The QEMUs attached until now, in the order of their sockets; any thread. */
    public List<AttachedQemu> qemus() {
        return List.copyOf(qemus);
    }

    /** Detaches from every QEMU (their VMs left as they are); a running {@link #run()} ends at its next wait. */
    @Override
    public void close() {
        closed = true;
        qemus.forEach(AttachedQemu::close);
    }

    /** The options' commands, on the first QEMU, armed by them; null, or the refusal after which nothing more was sent. */
    private String act(QemuControl first) {
        if (!options.arms()) {
            return null;
        }
        first.setArmed(true);
        try {
            if (options.downtimeLimitMs() != null) {
                observer.accept(first.setDowntimeLimit(options.downtimeLimitMs()));
            }
            if (options.migrate() != null) {
                observer.accept(first.migrate(options.migrate()));
            }
            if (options.cancel()) {
                observer.accept(first.cancel());
            }
            return null;
        } catch (QmpException e) {
            return first.qemu().name() + ": " + e.error().message()
                    + (targets.size() > 1 && e.error().kind() == QmpError.Kind.REFUSED
                            ? " (the flags act on the first SOCKET, " + first.qemu().where() + ")" : "");
        }
    }

    /** Waits until done (or every QEMU gone without --until-done); false when the timeout came first. */
    private boolean await() throws InterruptedException {
        CompletableFuture<?> all = CompletableFuture.allOf(qemus.stream()
                .map(q -> options.untilDone() ? q.outcome() : q.gone()).toArray(CompletableFuture[]::new));
        try {
            if (options.timeout() == null) {
                all.get();
            } else {
                all.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Null when every QEMU ended as asked, else one line naming each that did not. */
    private String verdict(boolean timedOut) {
        List<String> bad = new ArrayList<>();
        for (AttachedQemu q : qemus) {
            Outcome o = q.outcome().getNow(null);
            if (o == Outcome.FAILED) {
                bad.add(q.name() + ": migration " + q.runs().get(q.runs().size() - 1).status() + errorDesc(q));
            } else if (o == Outcome.GONE) {
                bad.add(q.name() + ": " + q.ended());
            } else if (o == null && timedOut && options.untilDone()) {
                bad.add(q.name() + ": not done after " + Seconds.format(options.timeout().toMillis() / 1e3)
                        + " (migration " + (q.runs().isEmpty() ? "not started" : q.runs().get(q.runs().size() - 1).status()) + ")");
            }
        }
        return bad.isEmpty() ? null : String.join("; ", bad);
    }

    private static String errorDesc(AttachedQemu q) {
        String e = q.runs().get(q.runs().size() - 1).info().errorDesc();
        return e == null ? "" : ": " + e;
    }
}

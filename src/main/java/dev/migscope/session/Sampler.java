package dev.migscope.session;

import dev.migscope.device.DirtyBitmap;
import dev.migscope.device.Errno;
import dev.migscope.device.IovaRange;
import dev.migscope.device.MigrationStream;
import dev.migscope.device.PrecopyInfo;
import dev.migscope.device.VfioCall;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.MigState;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.view.DeviceEvent.Kind;
import dev.migscope.view.PrecopyInfoV2;
import java.time.Duration;

/**
 * Pulls one {@link Sample} a tick into the telemetry, on the device thread: the state (and a change
 * nobody here made), throughputs from the bytes saves and resumes moved, PRECOPY_INFO and the dirty
 * rate in PRE_COPY, MIG_DATA_SIZE and the downtime it means, DMA logging's dirty pages. Saves and
 * resumes call {@link #sampleIfDue} between chunks so the charts stay live while they hold the thread.
 */
final class Sampler {

    private final DeviceContext ctx;

    // Bytes moved by saves and resumes, counted by them.
    private long preCopyBytes;
    private long stopCopyBytes;
    private long resumeBytes;

    // What the previous tick saw, for rates.
    private Sample lastSample;
    private long lastPreCopyBytes;
    private long lastStopCopyBytes;
    private long lastResumeBytes;
    private PrecopyInfo lastPrecopy;
    /** The data_fd {@link #lastPrecopy} was read from: a new stream starts the dirty rate afresh. */
    private MigrationStream lastPrecopyStream;
    private long lastPrecopyBytesRead;
    private long nextSampleNanos;

    Sampler(DeviceContext ctx) {
        this.ctx = ctx;
    }

    /** Counts {@code n} bytes a save read in {@code phase} (PRE_COPY or STOP_COPY), or a resume wrote (RESUMING). */
    void moved(MigState phase, long n) {
        switch (phase) {
            case PRE_COPY -> preCopyBytes += n;
            case STOP_COPY -> stopCopyBytes += n;
            case RESUMING -> resumeBytes += n;
            default -> throw new IllegalArgumentException("no data moves in " + phase);
        }
    }

    /** The timer's tick. */
    void tick() {
        if (ctx.gone || ctx.closed) {
            return;
        }
        try {
            sampleNow();
        } catch (RuntimeException e) {
            // A bug in a backend must not kill the device thread's schedule.
            ctx.emit(Kind.STATE_OBSERVED, "sample", null, null, Duration.ZERO,
                    VfioError.of(Errno.EIO, "sample", ctx.id, String.valueOf(e)), "");
        }
    }

    /** Long operations call this between chunks so charts stay live while they hold the device thread. */
    void sampleIfDue() {
        if (ctx.now() >= nextSampleNanos) {
            tick();
        }
    }

    private void sampleNow() {
        long now = ctx.now();
        nextSampleNanos = now + ctx.options.sampleInterval().toNanos();
        Sample s = new Sample(now - ctx.startNanos);
        MigState before = ctx.state;
        try {
            MigState st = ctx.readState();
            s.set(Metric.STATE, st.abi());
            if (st != before) {
                ctx.emit(Kind.STATE_OBSERVED, VfioCall.GET_MIG_DEVICE_STATE.text(), before, st, Duration.ZERO, null,
                        "changed outside this session's calls");
            }
        } catch (VfioException e) {
            if (ctx.gone) {
                return;
            }
        }
        double dt = lastSample == null ? 0 : (s.timeNanos() - lastSample.timeNanos()) / 1e9;
        if (dt > 0) {
            s.set(Metric.PRE_COPY_THROUGHPUT, (preCopyBytes - lastPreCopyBytes) / dt);
            s.set(Metric.STOP_COPY_THROUGHPUT, (stopCopyBytes - lastStopCopyBytes) / dt);
            s.set(Metric.RESUME_THROUGHPUT, (resumeBytes - lastResumeBytes) / dt);
        }
        s.set(Metric.TOTAL_BYTES, preCopyBytes + stopCopyBytes + resumeBytes);
        MigState state = ctx.state;
        MigrationStream stream = ctx.stream;
        if (stream != null && (state == MigState.PRE_COPY || state == MigState.PRE_COPY_P2P)) {
            precopy(s, stream, dt);
        }
        if (ctx.device != null && state != MigState.ERROR) {
            long size = ctx.migDataSizeOrZero();
            if (ctx.migDataSizeSupported()) {
                s.set(Metric.STOP_COPY_LENGTH, size);
                s.set(Metric.DOWNTIME_ESTIMATE, (double) size / ctx.options.linkBandwidth());
            }
        }
        if (ctx.precopyInfoV2 == PrecopyInfoV2.ACCEPTED) {
            // PRECOPY_INFOs read between ticks (a save reads one a chunk) count too: a REINIT is never lost.
            s.set(Metric.PRECOPY_FLAGS, ctx.takePrecopyFlags());
        }
        if (ctx.dmaLogging && dt > 0) {
            dmaDirtyPages(s, dt);
        }
        lastPreCopyBytes = preCopyBytes;
        lastStopCopyBytes = stopCopyBytes;
        lastResumeBytes = resumeBytes;
        lastSample = s;
        ctx.telemetry.append(s);
    }

    private void precopy(Sample s, MigrationStream stream, double dt) {
        PrecopyInfo previous = stream == lastPrecopyStream ? lastPrecopy : null;
        try {
            PrecopyInfo pi = ctx.precopyInfo(stream);
            s.set(Metric.INITIAL_BYTES, pi.initialBytes());
            s.set(Metric.DIRTY_BYTES, pi.dirtyBytes());
            if (previous != null && dt > 0 && !pi.reinit()) {
                // After a REINIT the new initial data is no dirtying. pending(t) = pending(t0) - read + dirtied, so dirtied = Δpending + read.
                long read = preCopyBytes - lastPrecopyBytesRead;
                double dirtied = pi.pendingBytes() - previous.pendingBytes() + read;
                s.set(Metric.DIRTY_RATE, Math.max(0, dirtied / dt));
            }
            lastPrecopy = pi;
            lastPrecopyStream = stream;
            lastPrecopyBytesRead = preCopyBytes;
        } catch (VfioException e) {
            lastPrecopy = null;
        }
    }

    private void dmaDirtyPages(Sample s, double dt) {
        long pages = 0;
        try {
            for (IovaRange r : ctx.dmaRanges) {
                DirtyBitmap bm = ctx.device.dmaLoggingReport(r.iova(), r.length(), ctx.dmaPageSize);
                pages += bm.dirtyPages();
            }
            s.set(Metric.DMA_DIRTY_PAGES_RATE, pages / dt);
        } catch (VfioException e) {
            ctx.dmaLogging = false;
            ctx.emit(Kind.DMA_LOGGING, VfioCall.GET_DMA_LOGGING_REPORT.text(), null, null, Duration.ZERO, e.error(),
                    "DMA logging stopped being reported");
        }
    }
}

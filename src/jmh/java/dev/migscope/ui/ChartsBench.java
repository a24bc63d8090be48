package dev.migscope.ui;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.session.MigrationSession;
import dev.migscope.session.SessionOptions;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimClock;
import dev.migscope.telemetry.Metric;
import dev.migscope.telemetry.Sample;
import dev.migscope.telemetry.Telemetry;
import dev.migscope.ui.charts.ChartsPane;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javafx.animation.AnimationTimer;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;

/**
 * The four charts at 20 Hz with one hour of history, headless: a session on sim:mlx5-0 sampling
 * every 50 ms whose clock starts one hour in, its telemetry prefilled with the hour before
 * (72,000 samples, compressed time), a {@link ChartsPane} on the 1 h window updated once per frame
 * by an AnimationTimer as InspectorWindow does. Over SECONDS of wall time, prints the FX thread's
 * CPU time over wall time (busy fraction) and the FX-thread part of each pulse (from the
 * AnimationTimer to the end of layout), p50/p99/max, and the renderer thread's CPU over wall
 * time. Usage: ChartsBench [SECONDS]
 */
public final class ChartsBench {

    private static int seconds = 10;

    private ChartsBench() {
    }

    public static void main(String[] args) {
        if (args.length > 0) {
            seconds = Integer.parseInt(args[0]);
        }
        Application.launch(App.class);
    }

    /** The application the launcher starts. */
    public static final class App extends Application {

        @Override
        public void start(Stage stage) throws Exception {
            long hour = Duration.ofHours(1).toNanos();
            AtomicLong calls = new AtomicLong();
            long base = System.nanoTime();
            // The first read is the session's start; every later one is an hour on, so the sampler's
            // samples follow the prefilled hour.
            SessionOptions options = SessionOptions.defaults().withSampleInterval(Duration.ofMillis(50))
                    .withClock(() -> calls.getAndIncrement() == 0 ? base : System.nanoTime() + hour);
            DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(SimClock.system())), true);
            MigrationSession session = MigrationSession.open(registry, "sim:mlx5-0", options);
            Telemetry t = session.telemetry();
            for (int i = 0; i < 72_000; i++) {
                Sample s = new Sample(i * 50_000_000L);
                for (Metric m : Metric.values()) {
                    s.set(m, Math.sin(i / 500.0 + m.ordinal()) * 1e6 + 1e6);
                }
                t.append(s);
            }
            ChartsPane charts = new ChartsPane();
            charts.startDrawing();
            charts.setTelemetry(session.telemetry());
            charts.setWindow(ChartsPane.Window.H1);
            Scene scene = new Scene(charts, 960, 600);
            stage.setScene(scene);
            stage.show();

            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long fxThread = Thread.currentThread().getId();
            long[] frames = new long[seconds * 200];
            int[] count = {0};
            long[] frameStart = {0};
            long[] measureFrom = {0, 0, 0};
            long renderer = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th.getName().startsWith("QuantumRenderer")).mapToLong(Thread::getId).findFirst()
                    .orElse(-1);
            scene.addPostLayoutPulseListener(() -> {
                if (frameStart[0] != 0 && measureFrom[0] != 0 && count[0] < frames.length) {
                    frames[count[0]++] = System.nanoTime() - frameStart[0];
                }
                frameStart[0] = 0;
            });
            AnimationTimer timer = new AnimationTimer() {
                @Override
                public void handle(long now) {
                    frameStart[0] = System.nanoTime();
                    charts.update();
                }
            };
            timer.start();
            // 2 s to settle (first layout, JIT), then measure.
            Thread measure = new Thread(() -> {
                try {
                    Thread.sleep(2000);
                    Platform.runLater(() -> {
                        measureFrom[0] = System.nanoTime();
                        measureFrom[1] = mx.getThreadCpuTime(fxThread);
                        measureFrom[2] = mx.getThreadCpuTime(renderer);
                    });
                    Thread.sleep(seconds * 1000L);
                    Platform.runLater(() -> {
                        double wall = System.nanoTime() - measureFrom[0];
                        double cpu = mx.getThreadCpuTime(fxThread) - measureFrom[1];
                        double render = mx.getThreadCpuTime(renderer) - measureFrom[2];
                        long[] f = Arrays.copyOf(frames, count[0]);
                        Arrays.sort(f);
                        System.out.printf("busy=%.4f renderer_busy=%.4f frames=%d redraws=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f samples=%d%n",
                                cpu / wall, render / wall, f.length, charts.redraws(), f[f.length / 2] / 1e6,
                                f[(int) Math.min(f.length - 1, Math.ceil(f.length * 0.99) - 1)] / 1e6,
                                f[f.length - 1] / 1e6, t.version());
                        System.exit(0);
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            measure.setDaemon(true);
            measure.start();
        }
    }
}

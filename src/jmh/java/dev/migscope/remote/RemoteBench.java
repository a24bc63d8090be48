package dev.migscope.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.fsm.MigState;
import dev.migscope.json.Json;
import dev.migscope.protocol.Protocol;
import dev.migscope.testsupport.Sshd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * What {@code --host} costs (docs/BENCHMARKS.md), against the test sshd on 127.0.0.1 (the far
 * side is this build's {@code migscope agent} on simulated devices, as in RemoteCommandsTest).
 * Per round, interleaved on one open connection: N raw request round trips (the agent's
 * {@code arm} request, which touches no device: the connection's own round trip), N SETs on
 * sim:mlx5-0 alternating STOP and RUNNING (what {@code --host set} sends), and M runs of
 * {@code ssh HOST true} (a new connection per command). Then 20 Hz telemetry on a second
 * connection for S seconds: the sample lines' bytes per second (as the agent wrote them), ssh's
 * reads from its socket per second (/proc/PID/io rchar: the encrypted stream, without TCP/IP
 * headers), and each sample's lag from its sampling to its arrival here. Both processes read the
 * same CLOCK_MONOTONIC (System.nanoTime on Linux); the far session's time axis starts while the
 * open request is under way, and taking its start as the moment the request was sent makes every
 * lag an upper bound, too long by at most that open's round trip (printed).
 * Prints {@code round=R raw_ms=X set_ms=Y ssh_true_ms=Z} (medians in the round) and
 * {@code telemetry round=R ...} lines. Usage: RemoteBench [ROUNDS] [N] [M] [SECONDS]
 */
public final class RemoteBench {

    private RemoteBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int m = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Path dir = Files.createTempDirectory("migscope-remote-bench");
        try (Sshd sshd = Sshd.start(dir)) {
            SshSettings ssh = new SshSettings("ssh", sshd.clientOptions(), List.of(Sshd.launcher(dir).toString(), "agent"));
            SshTarget target = SshTarget.parse(sshd.host());
            RemoteOptions options = new RemoteOptions(true, true, false, Duration.ofMillis(50), 1000,
                    Duration.ofSeconds(10), 1 << 20, false);
            try (RemoteHost host = RemoteHost.connect(target, ssh, "bench", System.err::println);
                    RemoteDevice dev = host.open("sim:mlx5-0", options)) {
                for (int r = 1; r <= rounds; r++) {
                    double raw = median(n, () -> dev.refreshState().get());
                    MigState[] next = {MigState.STOP};
                    double set = median(n, () -> {
                        dev.transition(next[0]).get();
                        next[0] = next[0] == MigState.STOP ? MigState.RUNNING : MigState.STOP;
                    });
                    List<String> sshTrue = new ArrayList<>(ssh.argv(target).subList(0, ssh.argv(target).size() - 2));
                    sshTrue.add("true");
                    double fresh = median(m, () -> {
                        if (new ProcessBuilder(sshTrue).inheritIO().start().waitFor() != 0) {
                            throw new IllegalStateException("ssh HOST true failed: " + sshTrue);
                        }
                    });
                    System.out.printf("round=%d raw_ms=%.3f set_ms=%.3f ssh_true_ms=%.1f%n", r, raw, set, fresh);
                }
            }
            for (int r = 1; r <= rounds; r++) {
                telemetry(r, target, ssh, seconds);
            }
        }
        System.exit(0);
    }

    private static void telemetry(int round, SshTarget target, SshSettings ssh, int seconds) throws Exception {
        Set<Long> before = sshChildren();
        try (AgentConnection c = AgentConnection.start(target, ssh, "bench", System.err::println)) {
            Set<Long> after = sshChildren();
            after.removeAll(before);
            long sshPid = after.iterator().next();
            List<Long> lags = new ArrayList<>();
            AtomicLong payload = new AtomicLong();
            long[] farStart = new long[1];
            boolean[] counting = new boolean[1];
            // A first open loads the far side's session classes: the measured open's round trip, the
            // lags' error bound, is then that of a running agent.
            JsonNode warm = c.request(Protocol.OPEN, openArgs("sim:mlx5-1")).get();
            c.request(Protocol.CLOSE, Json.object().put("session", warm.path("session").asLong())).get();
            long sent = System.nanoTime();
            farStart[0] = sent;
            JsonNode opened = c.request(Protocol.OPEN, openArgs("sim:mlx5-0")).get();
            long openNanos = System.nanoTime() - sent;
            c.register(opened.path("session").asLong(), new AgentConnection.Pushes() {
                @Override
                public void pushed(JsonNode msg) {
                    long now = System.nanoTime();
                    if (Protocol.SAMPLE.equals(msg.path("type").asText()) && counting[0]) {
                        synchronized (lags) {
                            lags.add(now - farStart[0] - msg.path("t").asLong());
                        }
                        payload.addAndGet(Json.write(msg).getBytes(StandardCharsets.UTF_8).length + 1);
                    }
                }

                @Override
                public void lost(String reason) {
                    if (counting[0]) {
                        System.err.println(reason);
                    }
                }
            });
            Thread.sleep(2000);
            long rchar0 = rchar(sshPid);
            long t0 = System.nanoTime();
            counting[0] = true;
            Thread.sleep(seconds * 1000L);
            counting[0] = false;
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long wire = rchar(sshPid) - rchar0;
            long[] sorted;
            synchronized (lags) {
                sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            System.out.printf("telemetry round=%d seconds=%.1f samples=%d payload_Bps=%.0f ssh_socket_Bps=%.0f "
                    + "lag_p50_ms=%.1f lag_p99_ms=%.1f lag_max_ms=%.1f open_ms=%.1f%n", round, elapsed, sorted.length,
                    payload.get() / elapsed, wire / elapsed, pct(sorted, 0.50), pct(sorted, 0.99),
                    sorted[sorted.length - 1] / 1e6, openNanos / 1e6);
        }
    }

    private static ObjectNode openArgs(String device) {
        return Json.object().put("device", device).put("sim", true).put("armed", false).put("kernel_walk", false)
                .put("sample_interval_nanos", Duration.ofMillis(50).toNanos())
                .put("precopy_max_nanos", Duration.ofSeconds(10).toNanos()).put("precopy_threshold", 1 << 20)
                .put("watch_if_busy", false);
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** This JVM's ssh children (the agent connections). */
    private static Set<Long> sshChildren() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().command().map(cmd -> cmd.endsWith("/ssh")).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static long rchar(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "io")).stream()
                .filter(l -> l.startsWith("rchar:")).mapToLong(l -> Long.parseLong(l.substring(6).strip()))
                .findFirst().orElseThrow();
    }

    interface Call {
        void run() throws Exception;
    }

    /** The median of {@code count} timed calls, in ms. */
    private static double median(int count, Call call) throws Exception {
        double[] ms = new double[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[count / 2];
    }
}

package dev.migscope.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.DeviceRegistry;
import dev.migscope.protocol.Codec;
import dev.migscope.protocol.LineReader;
import dev.migscope.protocol.Protocol;
import dev.migscope.sim.SimBackend;
import dev.migscope.sim.SimClock;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The agent fed random and mutated requests, in process: every request with an id gets exactly
 * one reply with that id (a result, or an error saying why), a line that is no request is passed
 * over, the agent never dies, and when its stdin ends it winds down and its scratch directory is gone.
 * Each run opens session 1 first, so that the requests naming it reach a real session (a save
 * into the scratch directory, an upload's chunks) and not only the "no such session" refusal.
 */
class AgentPropertyTest {

    private static final String[] OPS = {Protocol.LIST, Protocol.OPEN, Protocol.STATE, Protocol.TRANSITION,
        Protocol.ARM, Protocol.RESET, Protocol.CLOSE, Protocol.CANCEL, Protocol.DMA_LOGGING_START,
        Protocol.DMA_LOGGING_STOP, Protocol.SIMULATE, Protocol.SAVE, Protocol.RESUME, "reboot", "", "LIST"};

    /** One value for a field: the right kind, the wrong kind, hostile text. */
    private static Arbitrary<String> value() {
        return Arbitraries.of("1", "2", "0", "-1", "1e99", "99999999999999999999", "null", "true", "\"x\"",
                "\"sim:mlx5-0\"", "\"sim:hisi-0\"", "\"sim:\\u0000evil\"", "\"../../etc/passwd\"", "\"STOP\"",
                "\"RUNNING\"", "\"STOP_COPY\"", "\"RESUMING\"", "\"BOGUS\"", "[]", "{}", "[{\"iova\":\"x\"}]",
                "[{\"iova\":4096,\"length\":4096}]", "\"inject_fault\"", "\"clear_faults\"", "\"unplug\"",
                "\"state_digest\"", "\"EIO\"");
    }

    /** A key and its value; a request holds each key once (a duplicate key is no JSON the agent reads). */
    private static Arbitrary<String[]> field() {
        Arbitrary<String> key = Arbitraries.of("session", "device", "target", "armed", "sim", "control", "from", "to",
                "errno", "ranges", "page_size", "leave_in_error", "watch_if_busy", "kernel_walk", "bytes_per_second");
        return Combinators.combine(key, value()).as((k, v) -> new String[] {k, v});
    }

    @Provide
    Arbitrary<List<String>> requests() {
        Arbitrary<String> op = Arbitraries.of(OPS).map(o -> "\"op\":\"" + o + "\"");
        Arbitrary<String> protocol = Arbitraries.of("\"protocol\":" + Protocol.VERSION + ",",
                "\"protocol\":" + Protocol.VERSION + ",", "\"protocol\":" + Protocol.VERSION + ",", "", "\"protocol\":1,",
                "\"protocol\":\"five\",");
        Arbitrary<String> request = Combinators.combine(protocol, op, field().list().ofMaxSize(5).uniqueElements(f -> f[0]))
                .as((p, o, fs) -> p + o + fs.stream().map(f -> ",\"" + f[0] + "\":" + f[1]).reduce("", String::concat));
        // Lines with no id to answer: junk and stream chunks of a resume that never comes.
        Arbitrary<String> other = Arbitraries.of("!not json", "{\"type\":\"chunk\",\"session\":1,\"offset\":0,"
                + "\"data\":\"AAAA\",\"crc32c\":0}", "{\"type\":\"chunk\",\"session\":2,\"offset\":\"x\"}", "[]",
                "{\"type\":\"chunk\",\"session\":1,\"offset\":0,\"data\":\"%%%\",\"crc32c\":1}");
        return Arbitraries.oneOf(request.map(r -> "R" + r), request.map(r -> "R" + r), other.map(o -> "O" + o))
                .list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 40)
    void answersEveryRequestOnceNeverDiesAndLeavesNoScratch(@ForAll("requests") List<String> lines) throws Exception {
        Path scratch = Files.createTempDirectory("agent-property");
        DeviceRegistry registry = new DeviceRegistry(List.of(), List.of(new SimBackend(SimClock.system())), true);
        Pipe toAgent = Pipe.open();
        Pipe fromAgent = Pipe.open();
        Agent agent = new Agent(sim -> registry, "test", Channels.newInputStream(toAgent.source()),
                Channels.newOutputStream(fromAgent.sink()), new PrintStream(OutputStream.nullOutputStream()), scratch);
        CompletableFuture<Integer> ran = CompletableFuture.supplyAsync(agent::run);
        LineReader in = new LineReader(Channels.newInputStream(fromAgent.source()), Protocol.MAX_LINE);
        OutputStream out = Channels.newOutputStream(toAgent.sink());
        assertThat(Codec.parse(in.readLine()).path("type").asText()).isEqualTo(Protocol.HELLO);
        out.write(("{\"type\":\"request\",\"id\":0,\"protocol\":" + Protocol.VERSION
                + ",\"op\":\"open\",\"device\":\"sim:mlx5-0\"}\n").getBytes(StandardCharsets.UTF_8));
        assertThat(replyTo(in, 0).path("session").asLong()).as("the first session").isEqualTo(1);
        long id = 0;
        for (String l : lines) {
            if (l.startsWith("O")) {
                out.write((l.substring(1) + "\n").getBytes(StandardCharsets.UTF_8));
                continue;
            }
            id++;
            out.write(("{\"type\":\"request\",\"id\":" + id + "," + l.substring(1) + "}\n")
                    .getBytes(StandardCharsets.UTF_8));
            JsonNode reply = replyTo(in, id);
            if (reply.has("error")) {
                assertThat(reply.path("error").path("message").asText()).as(l).isNotBlank();
            }
        }
        out.close();
        assertThat(ran.get(60, TimeUnit.SECONDS)).isZero();
        try (Stream<Path> left = Files.list(scratch)) {
            assertThat(left).isEmpty();
        }
        Files.delete(scratch);
    }

    /** Reads past pushes (events, samples, alive) to the reply to {@code id}; no other reply may come first. */
    private static JsonNode replyTo(LineReader in, long id) throws Exception {
        while (true) {
            String line = in.readLine();
            assertThat(line).as("the agent ended before answering request " + id).isNotNull();
            JsonNode m = Codec.parse(line);
            if (Protocol.REPLY.equals(m.path("type").asText())) {
                assertThat(m.path("id").asLong()).isEqualTo(id);
                return m;
            }
        }
    }
}

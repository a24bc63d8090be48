package dev.migscope.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What one side reads of the other is bounded and checked: lines, values, arrays, chunks, a file's total. */
class BoundsTest {

    @TempDir
    Path dir;

    /** An endless stream of one byte, never a newline. */
    private static InputStream endless() {
        return new InputStream() {
            @Override
            public int read() {
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'x');
                return len;
            }
        };
    }

    @Test
    void anEndlessLineEndsInTooLongAfterTheBoundNotInAllTheMemory() {
        LineReader r = new LineReader(endless(), 1 << 20);
        assertThatThrownBy(r::readLine).isInstanceOf(LineReader.TooLong.class).hasMessageContaining("1048576");
    }

    @Test
    void linesUpToTheBoundAreReadWholeAndTheRestOfALongOneCanBeSkipped() throws IOException {
        LineReader r = new LineReader(new ByteArrayInputStream("abcd\nabcdefgh\nü\nlast".getBytes(StandardCharsets.UTF_8)), 4);
        assertThat(r.readLine()).isEqualTo("abcd");
        assertThatThrownBy(r::readLine).isInstanceOf(LineReader.TooLong.class);
        r.skipLine();
        assertThat(r.readLine()).isEqualTo("ü");
        assertThat(r.readLine()).isEqualTo("last");
        assertThat(r.readLine()).isNull();
    }

    @Test
    void aNameThatIsNoStateOrKindIsAProtocolErrorNamingTheField() {
        assertThatThrownBy(() -> Codec.state(Codec.parse("{\"state\":\"BOGUS\"}"), "state"))
                .isInstanceOf(ProtocolException.class).hasMessage("field state: \"BOGUS\" is not a MigState");
        assertThatThrownBy(() -> Codec.info(Codec.parse("{\"id\":\"sim:x\",\"kind\":\"TOASTER\"}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("field kind");
        assertThatThrownBy(() -> Codec.event(Codec.parse("{\"time_ms\":1,\"kind\":\"STATE\",\"steps\":[\"NOPE\"]}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("field steps");
        assertThatThrownBy(() -> Codec.sample(Codec.parse("{\"t\":1,\"values\":{\"WARP_FACTOR\":9}}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("field values");
    }

    @Test
    void aMissingFieldOrAWrongTypeIsAProtocolErrorNamingTheField() {
        assertThatThrownBy(() -> Codec.info(Codec.parse("{\"kind\":\"SIM\"}")))
                .isInstanceOf(ProtocolException.class).hasMessage("field id is missing");
        assertThatThrownBy(() -> Codec.info(Codec.parse("{\"id\":7,\"kind\":\"SIM\"}")))
                .isInstanceOf(ProtocolException.class).hasMessage("field id: 7 is not text");
        assertThatThrownBy(() -> Codec.transition(Codec.parse("{\"steps\":\"many\"}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("field steps");
        assertThatThrownBy(() -> Codec.error(Codec.parse("{\"errno\":\"EIO\"}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("field errno");
        assertThatThrownBy(() -> Codec.sample(Codec.parse("{\"values\":{}}")))
                .isInstanceOf(ProtocolException.class).hasMessage("field t is missing");
    }

    @Test
    void anArrayPastTheBoundIsRefusedBeforeItsElementsAreRead() {
        String steps = "[" + "{},".repeat(Protocol.MAX_ELEMENTS) + "{}]";
        assertThatThrownBy(() -> Codec.transition(Codec.parse("{\"steps\":" + steps + "}")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining(Integer.toString(Protocol.MAX_ELEMENTS));
    }

    @Test
    void aLineThatIsNoJsonObjectOrPastTheReadBoundsIsAProtocolError() {
        assertThatThrownBy(() -> Codec.parse("[1]")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> Codec.parse("{\"a\":1} {}")).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> Codec.parse("{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("nesting");
        assertThatThrownBy(() -> Codec.parse("{\"a\":" + "9".repeat(100) + "}"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("Number value length");
    }

    private static ObjectNode chunk(long offset, byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b);
        return Json.object().put("type", Protocol.CHUNK).put("offset", offset)
                .put("data", Base64.getEncoder().encodeToString(b)).put("crc32c", crc.getValue());
    }

    @Test
    void aChunkLargerThanTheProtocolsIsAProtocolErrorNotBytes() throws Exception {
        try (StreamFrames.Receiver rx = new StreamFrames.Receiver(dir.resolve("f.mig"))) {
            assertThatThrownBy(() -> rx.accept(chunk(0, new byte[StreamFrames.CHUNK + 3])))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("field data");
            assertThat(rx.received()).isZero();
        }
    }

    @Test
    void chunksThatTakeTheFilePastTheTransfersBoundAreAProtocolError() throws Exception {
        try (StreamFrames.Receiver rx = new StreamFrames.Receiver(dir.resolve("f.mig"), 10)) {
            rx.accept(chunk(0, new byte[6]));
            assertThatThrownBy(() -> rx.accept(chunk(6, new byte[6])))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("past 10 bytes");
            assertThat(rx.received()).isEqualTo(6);
        }
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aChunkWithoutItsFieldsIsAProtocolError() throws Exception {
        try (StreamFrames.Receiver rx = new StreamFrames.Receiver(dir.resolve("f.mig"))) {
            assertThatThrownBy(() -> rx.accept(Codec.parse("{\"type\":\"chunk\",\"offset\":0}")))
                    .isInstanceOf(ProtocolException.class).hasMessage("field data is missing");
        }
    }
}

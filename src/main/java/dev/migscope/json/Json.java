package dev.migscope.json;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Collection;

/**
 * migscope's JSON, written and read through one Jackson mapper: the CLI's {@code --json} output
 * and the conformance report are built as trees here and written by {@link #write}; what migscope
 * reads (QMP, the agent's lines) comes back as trees from {@link #read} or from {@link #mapper()}'s
 * readers. Output is compact, keys keep the order they were put in, and besides what RFC 8259
 * demands it escapes U+2028 and U+2029, so a line of it is also a line of JavaScript.
 */
public final class Json {

    private static final ObjectMapper MAPPER = mapper(StreamReadConstraints.defaults());

    private Json() {
    }

    /** The one configured mapper, for streaming readers and writers (many values on one connection). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * The same mapper reading within tighter bounds, for a peer that may send anything (QMP, the
     * agent protocol): a value past one of them throws {@code StreamConstraintsException}.
     */
    public static ObjectMapper mapper(StreamReadConstraints limits) {
        return JsonMapper.builder(new JsonFactoryBuilder()
                        .characterEscapes(new LineSeparatorEscapes())
                        // Lower-case hex in a control character's escape (001f, not 001F), as migscope always wrote it.
                        .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .streamReadConstraints(limits)
                        .build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /** An empty object; its keys keep the order they are put in. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** An empty array. */
    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** An array of strings. */
    public static ArrayNode strings(Collection<String> values) {
        ArrayNode a = array();
        values.forEach(a::add);
        return a;
    }

    /**
     * A number as a person reads it: a whole number without a fraction ({@code 50331648}, not
     * {@code 5.0331648E7}), others as Java prints a double; NaN and the infinities, which JSON
     * cannot hold, become null.
     */
    public static JsonNode number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return JsonNodeFactory.instance.numberNode((long) v);
        }
        return JsonNodeFactory.instance.numberNode(v);
    }

    /** The compact text of {@code node}, on one line (a node's own toString() knows none of the rules above). */
    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            // A tree written to a string has no I/O to fail and holds only values JSON can hold.
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One JSON value, strictly: a duplicate key, a syntax error or anything after the value
     * throws, with the line and column in the message.
     */
    public static JsonNode read(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    /** RFC 8259's escapes, and U+2028 and U+2029, which JavaScript takes as line ends. */
    private static final class LineSeparatorEscapes extends CharacterEscapes {
        private static final int[] ASCII = standardAsciiEscapesForJSON();
        private static final SerializableString LINE_SEPARATOR = new SerializedString("\\u2028");
        private static final SerializableString PARAGRAPH_SEPARATOR = new SerializedString("\\u2029");

        @Override
        public int[] getEscapeCodesForAscii() {
            return ASCII;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return switch (ch) {
                case 0x2028 -> LINE_SEPARATOR;
                case 0x2029 -> PARAGRAPH_SEPARATOR;
                default -> null;
            };
        }
    }
}

package dev.migscope.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * QEMU's VMDESCRIPTION: the JSON after the stream's EOF that describes every VMSD section's fields
 * (savevm.c, the same description scripts/analyze-migration.py walks). With it a FULL section is
 * read field by field; without it (a tap sees it only at the end) a section is sized by its footer.
 */
public final class Vmdesc {

    private static final ObjectMapper MAPPER = Json.mapper(StreamReadConstraints.builder()
            .maxDocumentLength(StreamLimits.MAX_VMDESC).maxNestingDepth(64).maxStringLength(1 << 16).build());
    private static final int HEX_SHOWN = 32;
    /** The integer types of analyze-migration.py's vmsd_field_readers (" le": little-endian). */
    private static final Set<String> INTEGERS = Set.of("bool", "int8", "int16", "int32", "int64",
            "uint8", "uint16", "uint32", "uint64", "int32 equal", "int64 equal", "uint8 equal", "uint16 equal",
            "uint32 equal", "int32 le");

    private final JsonNode root;
    private final Map<String, JsonNode> devices = new HashMap<>();
    private int fieldsLeft = StreamLimits.FIELDS;

    private Vmdesc(JsonNode root) {
        this.root = root;
        for (JsonNode d : root.path("devices")) {
            devices.putIfAbsent(d.path("name").asText() + "\u0000" + d.path("instance_id").asLong(), d);
        }
    }

    /** Parses the description; damage is an error at {@code offset}, where the JSON starts. */
    static Vmdesc parse(byte[] json, long offset) throws StreamException {
        try {
            JsonNode root = MAPPER.readTree(json);
            if (root == null || !root.isObject() || !root.path("devices").isArray()) {
                throw new StreamException(offset, "the vmdesc is not QEMU's description (no \"devices\" list)");
            }
            return new Vmdesc(root);
        } catch (JsonProcessingException e) {
            throw new StreamException(offset, "the vmdesc is not valid JSON: "
                    + Visible.of(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new StreamException(offset, "the vmdesc cannot be read: " + e.getMessage());
        }
    }

    /** The target page size QEMU wrote ("page_size"), if it did. */
    OptionalLong pageSize() {
        JsonNode p = root.path("page_size");
        return p.canConvertToLong() && p.asLong() > 0 && Long.bitCount(p.asLong()) == 1
                ? OptionalLong.of(p.asLong()) : OptionalLong.empty();
    }

    /** The CONFIGURATION section's description ("configuration"), or a missing node. */
    JsonNode configuration() {
        return root.path("configuration");
    }

    Optional<JsonNode> device(String name, long instance) {
        return Optional.ofNullable(devices.get(name + "\u0000" + instance));
    }

    /** An old-style section (save_state, no VMSD) is described as one buffer: its size. */
    OptionalLong bufferSize(String name, long instance) {
        return device(name, instance).map(d -> d.path("fields")).filter(f -> f.size() == 1)
                .map(f -> f.get(0)).filter(f -> f.path("type").asText().equals("buffer"))
                .map(f -> OptionalLong.of(f.path("size").asLong())).orElse(OptionalLong.empty());
    }

    /**
     * Reads a section's payload as its description says, as analyze-migration.py does: fields in
     * order (arrays unfolded), structs recursively, then each subsection (QEMU_VM_SUBSECTION, name,
     * version, fields). Returns the fields read, ints decoded and buffers shown as hex.
     */
    ObjectNode walk(StreamInput in, JsonNode desc) throws StreamException {
        ObjectNode out = Json.object();
        walkStruct(in, desc, out, 0);
        return out;
    }

    private void walkStruct(StreamInput in, JsonNode desc, ObjectNode out, int depth) throws StreamException {
        if (depth > 32) {
            throw in.error("the vmdesc nests structs more than 32 deep");
        }
        for (JsonNode field : desc.path("fields")) {
            int copies = Math.max(1, field.path("array_len").asInt(1));
            for (int i = 0; i < copies; i++) {
                JsonNode value = readField(in, field, depth);
                String key = Visible.of(field.path("name").asText("?"));
                if (fieldsLeft-- <= 0) {
                    continue;
                }
                // As analyze-migration.py: a name seen again (array elements) becomes a list.
                JsonNode old = out.get(key);
                if (old == null) {
                    out.set(key, value);
                } else if (old.isArray()) {
                    ((ArrayNode) old).add(value);
                } else {
                    out.set(key, Json.array().add(old).add(value));
                }
            }
        }
        for (JsonNode sub : desc.path("subsections")) {
            long at = in.offset();
            int tag = in.u8();
            if (tag != SectionType.SUBSECTION) {
                throw new StreamException(at, "subsection " + Visible.of(sub.path("vmsd_name").asText())
                        + " not found (byte 0x" + Integer.toHexString(tag) + ")");
            }
            String name = in.string();
            in.be32();
            ObjectNode child = Json.object();
            walkStruct(in, sub, child, depth + 1);
            out.set(Visible.of(name), child);
        }
    }

    private JsonNode readField(StreamInput in, JsonNode field, int depth) throws StreamException {
        if (field.has("struct")) {
            ObjectNode child = Json.object();
            walkStruct(in, field.path("struct"), child, depth + 1);
            return child;
        }
        String type = field.path("type").asText();
        if (type.equals("capability")) {
            return Json.mapper().getNodeFactory().textNode(Visible.of(in.string()));
        }
        long size = field.path("size").asLong(-1);
        if (size < 0 || size > StreamLimits.MAX_OPAQUE_SECTION) {
            throw in.error("the vmdesc gives field " + Visible.of(field.path("name").asText()) + " size " + size);
        }
        boolean integer = INTEGERS.contains(type) && size <= 8 && size > 0;
        if (integer) {
            byte[] b = in.bytes((int) size);
            long v = 0;
            if (type.endsWith(" le")) {
                for (int k = b.length - 1; k >= 0; k--) {
                    v = (v << 8) | (b[k] & 0xff);
                }
            } else {
                for (byte x : b) {
                    v = (v << 8) | (x & 0xff);
                }
            }
            if (type.startsWith("int") && size < 8) {
                v = (v << (64 - 8 * size)) >> (64 - 8 * size);
            }
            return type.equals("bool") ? Json.mapper().getNodeFactory().booleanNode(v != 0)
                    : Json.mapper().getNodeFactory().numberNode(v);
        }
        int shown = (int) Math.min(size, HEX_SHOWN);
        byte[] head = in.bytes(shown);
        in.skip(size - shown);
        String hex = HexFormat.of().formatHex(head);
        return Json.mapper().getNodeFactory().textNode(size > shown ? hex + "... (" + size + " bytes)" : hex);
    }
}

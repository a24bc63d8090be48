package dev.migscope.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.migscope.device.Visible;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads the CONFIGURATION section (savevm.c vmstate_configuration): be32 length and the machine
 * type, then the subsections QEMU sends when needed: target-page-bits, capabilities, uuid. It has
 * no section header and no footer.
 */
final class ConfigurationReader {

    private static final int MAX_MACHINE = 256;
    private static final int MAX_CAPABILITIES = 64;

    private ConfigurationReader() {
    }

    static Configuration read(StreamInput in, Vmdesc vmdesc) throws StreamException {
        in.context("the CONFIGURATION section");
        long len = in.be32();
        if (len > MAX_MACHINE) {
            throw in.error("a machine type of " + len + " bytes in the CONFIGURATION section");
        }
        String machine = Visible.of(new String(in.bytes((int) len), StandardCharsets.ISO_8859_1));
        int pageBits = 0;
        List<String> caps = new ArrayList<>();
        String uuid = "";
        while (!in.atEnd() && in.peek() == SectionType.SUBSECTION) {
            long at = in.offset();
            in.u8();
            String name = in.string();
            in.be32();
            switch (name) {
                case "configuration/target-page-bits" -> {
                    long bits = in.be32();
                    if (bits < 10 || bits > 30) {
                        throw new StreamException(at, "target-page-bits " + bits + " (QEMU targets use 10 to 16)");
                    }
                    pageBits = (int) bits;
                }
                case "configuration/capabilities" -> {
                    long n = in.be32();
                    if (n > MAX_CAPABILITIES) {
                        throw new StreamException(at, n + " capabilities in the CONFIGURATION section");
                    }
                    for (int i = 0; i < n; i++) {
                        caps.add(Visible.of(in.string()));
                    }
                }
                case "configuration/uuid" -> uuid = uuid(in.bytes(16));
                default -> {
                    JsonNode sub = subsection(vmdesc, name);
                    if (sub == null) {
                        throw new StreamException(at, "configuration subsection '" + Visible.of(name)
                                + "' is not one QEMU 10 sends, and no vmdesc describes it");
                    }
                    vmdesc.walk(in, sub);
                }
            }
        }
        return new Configuration(machine, pageBits, List.copyOf(caps), uuid);
    }

    private static JsonNode subsection(Vmdesc vmdesc, String name) {
        if (vmdesc == null) {
            return null;
        }
        for (JsonNode s : vmdesc.configuration().path("subsections")) {
            if (s.path("vmsd_name").asText().equals(name)) {
                return s;
            }
        }
        return null;
    }

    private static String uuid(byte[] b) {
        String h = HexFormat.of().formatHex(b);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20);
    }
}

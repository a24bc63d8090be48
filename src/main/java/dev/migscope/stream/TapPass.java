package dev.migscope.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.telemetry.Bytes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One pass as a tap sees it go by: a VFIO device's PART (a precopy pass), END (its stop-copy) or
 * START (setup), or a RAM pass once the next one began (the stream has no marker for a RAM pass:
 * it ends when page addresses start again) and RAM's stop-copy. {@link Watcher} turns the
 * decoder's sections into these, on the decoder's thread.
 *
 * @param device "ram" or the VFIO section's name ("0000:00:01.0/vfio")
 * @param at     the offset of the pass's first section
 */
public record TapPass(String device, Pass.Phase phase, int number, long bytes, long count, long zeroPages, long at) {

    public boolean isRam() {
        return device.equals("ram");
    }

    /** A line for a terminal. */
    public String text() {
        String what = phase == Pass.Phase.PRECOPY ? "precopy pass " + number : phase.label();
        if (isRam()) {
            return String.format(Locale.ROOT, "ram %s: %,d pages (%s), %,d zero pages", what, count,
                    Bytes.format(bytes), zeroPages);
        }
        return String.format(Locale.ROOT, "vfio %s %s: %,d DATA_STATE, %,d bytes", Visible.of(device), what, count,
                bytes);
    }

    /** The same as one JSON object, for {@code --json} lines. */
    public ObjectNode json() {
        return Json.object().put("event", "pass").put("device", Visible.of(device)).put("phase", phase.label())
                .put("pass", number).put("bytes", bytes).put("count", count).put("zero_pages", zeroPages)
                .put("offset", at);
    }

    /** Turns sections into passes as they are read. Not thread-safe: the decoder's thread only. */
    public static final class Watcher {
        private int ramPassesSeen;
        private final Map<String, Integer> vfioPassesSeen = new HashMap<>();

        /** The passes this section finished (none, one, or for RAM's END its last precopy pass and the stop-copy). */
        public List<TapPass> passes(Section s, StreamDecoder d) {
            List<TapPass> out = new ArrayList<>();
            if (s.isRam() && d.ram().isPresent()) {
                RamData ram = d.ram().get();
                List<Pass> passes = ram.passes();
                boolean end = s.type() == SectionType.END;
                int finished = end ? passes.size() : passes.size() - 1;
                for (int i = ramPassesSeen; i < finished; i++) {
                    out.add(of("ram", passes.get(i)));
                }
                ramPassesSeen = Math.max(ramPassesSeen, finished);
                if (end) {
                    ram.stopCopy().ifPresent(p -> out.add(of("ram", p)));
                }
                return out;
            }
            if (s.isVfio() && s.type() != SectionType.FULL && s.type() != SectionType.COMMAND) {
                for (VfioData v : d.devices()) {
                    if (!v.name().equals(s.name())) {
                        continue;
                    }
                    switch (s.type()) {
                        case START -> v.setup().ifPresent(p -> out.add(of(v.name(), p)));
                        case END -> v.stopCopy().ifPresent(p -> out.add(of(v.name(), p)));
                        default -> {
                            List<Pass> passes = v.passes();
                            int seen = vfioPassesSeen.getOrDefault(v.name(), 0);
                            for (int i = seen; i < passes.size(); i++) {
                                out.add(of(v.name(), passes.get(i)));
                            }
                            vfioPassesSeen.put(v.name(), passes.size());
                        }
                    }
                }
            }
            return out;
        }

        private static TapPass of(String device, Pass p) {
            return new TapPass(device, p.phase(), p.number(), p.bytes(), p.count(), p.zeroPages(), p.offset());
        }
    }
}

package dev.migscope.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads QEMU's migration stream (migration/savevm.c) section by section: the QEVM header, the
 * CONFIGURATION, then every START, PART, END, FULL section and COMMAND up to QEMU_VM_EOF and the
 * vmdesc. RAM and VFIO sections are decoded; other FULL sections are walked through the vmdesc
 * when there is one, else passed by their footer. It never throws: damage ends the walk with a
 * {@link StreamException} kept in the summary, after everything read before it.
 */
public final class StreamDecoder {

    static final long MAGIC = 0x5145564dL;
    static final long VERSION = 3;
    private static final long DEFAULT_PAGE_SIZE = 4096;
    private static final int MAX_COMMAND_NAMES = 12;
    private static final String[] COMMANDS = {"INVALID", "OPEN_RETURN_PATH", "PING", "POSTCOPY_ADVISE",
        "POSTCOPY_LISTEN", "POSTCOPY_RUN", "POSTCOPY_RAM_DISCARD", "PACKAGED", "ENABLE_COLO", "POSTCOPY_RESUME",
        "RECV_BITMAP", "SWITCHOVER_START"};
    private static final int MIG_CMD_PACKAGED = 7;
    /** savevm.c MAX_VM_CMD_PACKAGED_SIZE. */
    private static final long MAX_PACKAGED = 1 << 24;

    /** Told of each section as soon as it has been read (the tap's live view). */
    @FunctionalInterface
    public interface Listener {
        void section(Section section, StreamDecoder decoder);
    }

    /** One header read: what later PART and END sections of the same id refer to. */
    private record Started(String name, long instance, long version) {
    }

    private final StreamInput in;
    private final String source;
    private final long streamStart;
    private Vmdesc vmdesc;
    private final Listener listener;
    private final VfioData.DataSink sink;
    private final List<Section> sections = new ArrayList<>();
    private long sectionsDropped;
    private final Map<Long, Started> started = new HashMap<>();
    private final Map<Long, VfioData> devices = new LinkedHashMap<>();
    private final ObjectNode fields = Json.object();
    private final List<String> notes = new ArrayList<>();
    private Configuration config;
    private RamData ram;
    private long pageSize = DEFAULT_PAGE_SIZE;
    /** Unknown until the first section ends: then whether QEMU writes section footers (send_section_footer). */
    private Boolean footers;
    private boolean eof;
    /** Written on the decoder's thread, read live by a tap deciding whether the stream was delivered whole. */
    private volatile long eofOffset = -1;
    private boolean vmdescRead;
    private long trailing;

    /**
     * @param source  what the stream is, for the summary ("FILE" or "tap LISTEN")
     * @param vmdesc  the description read ahead (a file's tail), or null
     * @param sink    receives VFIO data payloads as they pass, or null to skip them
     */
    public StreamDecoder(StreamInput in, String source, Vmdesc vmdesc, Listener listener, VfioData.DataSink sink) {
        this.in = in;
        this.source = source;
        this.streamStart = in.offset();
        this.vmdesc = vmdesc;
        this.listener = listener;
        this.sink = sink;
        if (vmdesc != null) {
            vmdesc.pageSize().ifPresent(p -> pageSize = p);
        }
    }

    /** Reads to the end of the stream, or to the first damage. */
    public StreamSummary decode() {
        StreamException failure = null;
        try {
            header();
            while (!eof) {
                next();
            }
            afterEof();
        } catch (StreamException e) {
            failure = e;
        }
        return summary(failure);
    }

    /** The devices read so far (the tap's live view reads them between sections, on the decoder's thread). */
    public List<VfioData> devices() {
        return List.copyOf(devices.values());
    }

    public Optional<RamData> ram() {
        return Optional.ofNullable(ram);
    }

    /**
     * Where QEMU_VM_EOF was read, or -1 while it has not been: a tap asks this from its own thread
     * once the decoder has read all that was forwarded, to tell a finished stream from a cut one.
     */
    public long eofOffset() {
        return eofOffset;
    }

    private StreamSummary summary(StreamException failure) {
        return new StreamSummary(source, streamStart, in.offset(), config, List.copyOf(sections), sectionsDropped,
                ram, List.copyOf(devices.values()), fields, vmdesc != null, eofOffset, trailing, List.copyOf(notes),
                Optional.ofNullable(failure));
    }

    private void header() throws StreamException {
        in.context("the stream header");
        long magic = in.be32();
        if (magic != MAGIC) {
            throw new StreamException(streamStart, "not a QEMU migration stream: magic 0x" + Long.toHexString(magic)
                    + " where QEVM (0x5145564d) starts one");
        }
        long version = in.be32();
        if (version != VERSION) {
            throw new StreamException(streamStart + 4, "stream version " + version + "; QEMU writes version 3 "
                    + "(QEMU_VM_FILE_VERSION) since 2.x, and this is the one migscope reads");
        }
    }

    private void next() throws StreamException {
        long at = in.offset();
        in.context("the section header at " + StreamInput.hex(at));
        int code = in.u8();
        if (code == SectionType.EOF) {
            eof = true;
            eofOffset = at;
            return;
        }
        if (code == SectionType.CONFIGURATION) {
            config = ConfigurationReader.read(in, vmdesc);
            if (config.targetPageBits() > 0 && (vmdesc == null || vmdesc.pageSize().isEmpty())) {
                pageSize = 1L << config.targetPageBits();
            }
            return;
        }
        SectionType type = SectionType.of(code).orElseThrow(() -> new StreamException(at,
                "unknown section type 0x" + Integer.toHexString(code)
                        + " (QEMU writes 0x01-0x08 here; the previous section may be damaged)"));
        if (type == SectionType.COMMAND) {
            command(at);
            return;
        }
        long id = in.be32();
        Started s;
        if (type.named()) {
            String name = in.string();
            s = new Started(name, in.be32(), in.be32());
            if (type == SectionType.START) {
                started.put(id, s);
            }
        } else {
            s = started.get(id);
            if (s == null) {
                throw new StreamException(at, "a " + type + " for section id " + id + ", which no START began");
            }
        }
        in.context(type + " section " + id + " (" + Visible.of(s.name()) + ")");
        Carried carried = payload(type, id, s, at);
        footer(id, s);
        add(new Section(type, id, Visible.of(s.name()), s.instance(), s.version(), at, in.offset() - at,
                carried.pages(), carried.zeroPages(), carried.dataBytes(), carried.records(),
                carried.recordsNotListed(), carried.how()));
    }

    /** What a section's payload carried; its header and footer make the rest of its {@link Section}. */
    private record Carried(long pages, long zeroPages, long dataBytes, List<VfioRecord> records,
            long recordsNotListed, String how) {

        static Carried opaque(String how) {
            return new Carried(0, 0, 0, List.of(), 0, how);
        }
    }

    private Carried payload(SectionType type, long id, Started s, long at) throws StreamException {
        String name = Visible.of(s.name());
        if (s.name().equals("ram") && s.instance() == 0) {
            if (config == null) {
                throw in.error("a ram section before the CONFIGURATION section");
            }
            if (ram == null) {
                ram = new RamData(pageSize, config);
            }
            long[] r = ram.read(in, type, at);
            return new Carried(r[0], r[1], r[2], List.of(), 0, "decoded");
        }
        if (s.name().endsWith("/vfio")) {
            VfioData d = devices.get(id);
            if (d == null) {
                d = new VfioData(name, id, s.instance(), s.version());
                devices.put(id, d);
            }
            OptionalLong described = type == SectionType.FULL && vmdesc != null
                    ? vmdesc.bufferSize(s.name(), s.instance()) : OptionalLong.empty();
            VfioData.SectionRead read = d.read(in, type, at, described, footers != Boolean.FALSE, sink);
            return new Carried(0, 0, read.dataBytes(), read.records(), read.recordsNotListed(), "decoded");
        }
        Optional<JsonNode> desc = type == SectionType.FULL && vmdesc != null
                ? vmdesc.device(s.name(), s.instance()) : Optional.empty();
        if (desc.isPresent()) {
            ObjectNode read = vmdesc.walk(in, desc.get());
            String key = name + " (" + id + ")";
            if (fields.size() < StreamLimits.SECTIONS) {
                fields.set(key, read);
            }
            return Carried.opaque("vmdesc");
        }
        if (footers == Boolean.FALSE) {
            throw in.error("section " + id + " (" + name + ") cannot be walked: the stream has neither a vmdesc "
                    + "describing it nor section footers to find its end");
        }
        byte[] footer = footerBytes(id);
        in.scanTo(footer, StreamLimits.MAX_OPAQUE_SECTION, "section footer (0x7e and its id)");
        return Carried.opaque("footer");
    }

    private static byte[] footerBytes(long id) {
        return ByteBuffer.allocate(5).put((byte) SectionType.FOOTER).putInt((int) id).array();
    }

    private void footer(long id, Started s) throws StreamException {
        long at = in.offset();
        boolean present = !in.atEnd() && in.peek() == SectionType.FOOTER;
        if (footers == null) {
            footers = present;
        }
        if (!footers) {
            return;
        }
        if (!present) {
            throw new StreamException(at, "section " + id + " (" + Visible.of(s.name()) + ") ends here without "
                    + "its footer (0x7e): its contents were longer or shorter than read, or the stream is cut");
        }
        in.u8();
        long named = in.be32();
        if (named != id) {
            throw new StreamException(at, "the footer names section " + named + " where section " + id
                    + " (" + Visible.of(s.name()) + ") ends");
        }
    }

    private void command(long at) throws StreamException {
        in.context("the COMMAND at " + StreamInput.hex(at));
        int cmd = in.be16();
        int len = in.be16();
        String name = cmd < MAX_COMMAND_NAMES ? COMMANDS[cmd] : "0x" + Integer.toHexString(cmd);
        if (cmd == MIG_CMD_PACKAGED && len == 4) {
            long packaged = in.be32();
            if (packaged > MAX_PACKAGED) {
                throw in.error("a PACKAGED command of " + packaged + " bytes (QEMU's limit is 16 MiB)");
            }
            in.skip(packaged);
            notes.add("postcopy: " + packaged + " bytes of device state packaged at " + StreamInput.hex(at)
                    + " (MIG_CMD_PACKAGED), not read");
        } else {
            in.skip(len);
        }
        add(new Section(SectionType.COMMAND, cmd, name, 0, 0, at, in.offset() - at, 0, 0, 0, List.of(), 0,
                "decoded"));
    }

    private void add(Section s) {
        if (sections.size() < StreamLimits.SECTIONS) {
            sections.add(s);
        } else {
            sectionsDropped++;
        }
        if (listener != null) {
            listener.section(s, this);
        }
    }

    private void afterEof() throws StreamException {
        if (in.atEnd()) {
            return;
        }
        long at = in.offset();
        in.context("the vmdesc at " + StreamInput.hex(at));
        if (in.peek() == SectionType.VMDESCRIPTION) {
            in.u8();
            long len = in.be32();
            if (len > StreamLimits.MAX_VMDESC) {
                throw new StreamException(at, "a vmdesc of " + len + " bytes (more than "
                        + StreamLimits.MAX_VMDESC + ")");
            }
            byte[] json = in.bytes((int) len);
            if (vmdesc == null) {
                vmdesc = Vmdesc.parse(json, at + 5);
            }
            vmdescRead = true;
        }
        long rest = 0;
        while (!in.atEnd()) {
            long step = Math.min(1 << 20, Long.MAX_VALUE);
            long before = in.offset();
            try {
                in.skip(step);
            } catch (StreamException end) {
                rest += end.offset() - before;
                break;
            }
            rest += step;
        }
        trailing = rest;
        if (rest > 0) {
            notes.add(rest + " bytes after the stream's end" + (vmdescRead ? " and its vmdesc" : "") + ": not read");
        }
    }
}

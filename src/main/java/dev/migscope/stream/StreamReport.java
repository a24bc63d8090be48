package dev.migscope.stream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.telemetry.Bytes;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a stream carried, as text for a terminal and as JSON ({@code migscope stream [--json]},
 * the tap's summary): header, configuration, every section in order, RAM per pass, each VFIO
 * device's records per pass, and where reading stopped.
 */
public final class StreamReport {

    private StreamReport() {
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The report as lines; {@code libvirt} is the save image's header, when the stream is inside one. */
    public static String text(StreamSummary s, Optional<LibvirtSaveHeader> libvirt, long fileSize) {
        StringBuilder out = new StringBuilder();
        out.append("QEMU migration stream ").append(Visible.of(s.source()));
        if (fileSize >= 0) {
            out.append("  ").append(n(fileSize)).append(" bytes");
        }
        out.append('\n');
        libvirt.ifPresent(l -> out.append("  inside a libvirt save image (version ").append(l.version())
                .append(l.domain().isEmpty() ? "" : ", domain " + l.domain())
                .append("): the stream starts at byte ").append(n(l.streamOffset())).append('\n'));
        Configuration c = s.config();
        if (c != null) {
            out.append("  QEVM version 3, machine ").append(c.machine());
            if (c.targetPageBits() > 0) {
                out.append(", target page bits ").append(c.targetPageBits());
            }
            out.append(", capabilities ").append(c.capabilities().isEmpty() ? "none" : String.join(" ", c.capabilities()));
            if (!c.uuid().isEmpty()) {
                out.append(", uuid ").append(c.uuid());
            }
            out.append('\n');
        }
        sections(out, s);
        ram(out, s.ram());
        for (VfioData d : s.devices()) {
            device(out, d);
        }
        for (String note : s.notes()) {
            out.append("note: ").append(Visible.of(note)).append('\n');
        }
        if (s.failure().isPresent()) {
            out.append("stopped at ").append(s.failure().get().line()).append('\n');
        } else {
            out.append(s.complete() ? "complete: QEMU_VM_EOF at " + hex(s.eofOffset()) : "no QEMU_VM_EOF")
                    .append(s.described() ? ", with QEMU's vmdesc" : ", no vmdesc").append('\n');
        }
        return out.toString();
    }

    private static void sections(StringBuilder out, StreamSummary s) {
        out.append(String.format(Locale.ROOT, "%nsections (%s):%n  %-10s %-7s %5s  %-28s %4s %4s %12s  %s%n",
                n(s.sections().size() + s.sectionsDropped()), "offset", "type", "id", "name", "inst", "ver", "size",
                "carried"));
        for (Section x : s.sections()) {
            out.append(String.format(Locale.ROOT, "  %-10s %-7s %5d  %-28s %4s %4s %12s  %s%n", hex(x.offset()),
                    x.type(), x.id(), Visible.of(x.name()), x.type() == SectionType.COMMAND ? "" : x.instance(),
                    x.type() == SectionType.COMMAND ? "" : x.version(), n(x.size()), carried(x)).stripTrailing() + "\n");
        }
        if (s.sectionsDropped() > 0) {
            out.append("  ... ").append(n(s.sectionsDropped())).append(" more sections counted, not listed\n");
        }
    }

    /** What a section carried, as the section list says it (the window's list too). */
    public static String carried(Section x) {
        if (x.type() == SectionType.COMMAND) {
            return "";
        } else if (x.isRam()) {
            return x.pages() + x.zeroPages() == 0 ? "" : n(x.pages()) + " pages, " + n(x.zeroPages()) + " zero";
        } else if (x.isVfio()) {
            String listed = String.join(" ", x.records().stream().map(VfioRecord::text).toList());
            return x.recordsNotListed() == 0 ? listed
                    : listed + " ... " + n(x.recordsNotListed()) + " more records (" + n(x.dataBytes())
                            + " data bytes in all)";
        }
        return x.how().equals("footer") ? "(sized by its footer)" : "(walked by the vmdesc)";
    }

    private static void ram(StringBuilder out, RamData ram) {
        if (ram == null) {
            return;
        }
        out.append("\nram: ").append(Bytes.format(ram.memSize())).append(" in ").append(ram.blocks().size())
                .append(" blocks (").append(String.join(", ", ram.blocks().stream()
                        .map(b -> Visible.of(b.name()) + " " + Bytes.format(b.length())).toList()))
                .append("), page size ").append(ram.pageSize()).append('\n');
        for (Pass p : ram.passes()) {
            out.append("  pass ").append(p.number()).append(": ").append(n(p.count())).append(" pages (")
                    .append(Bytes.format(p.bytes())).append("), ").append(n(p.zeroPages())).append(" zero pages\n");
        }
        ram.stopCopy().ifPresent(p -> out.append("  stop-copy: ").append(n(p.count())).append(" pages (")
                .append(Bytes.format(p.bytes())).append("), ").append(n(p.zeroPages())).append(" zero pages\n"));
        long pages = ram.passes().stream().mapToLong(Pass::count).sum() + ram.stopCopy().map(Pass::count).orElse(0L);
        long zero = ram.passes().stream().mapToLong(Pass::zeroPages).sum()
                + ram.stopCopy().map(Pass::zeroPages).orElse(0L);
        out.append("  ").append(ram.passes().size()).append(ram.passes().size() == 1 ? " pass, " : " passes, ")
                .append(n(pages)).append(" pages, ").append(n(zero)).append(" zero pages");
        if (ram.xbzrlePages() > 0) {
            out.append(", ").append(n(ram.xbzrlePages())).append(" XBZRLE");
        }
        if (ram.multifdFlushes() > 0) {
            out.append(", ").append(n(ram.multifdFlushes())).append(" multifd flushes (pages sent on multifd channels "
                    + "are not in this stream)");
        }
        out.append('\n');
        if (!ram.mappedRam().isEmpty()) {
            out.append("  ").append(ram.mappedRam()).append('\n');
        }
    }

    private static void device(StringBuilder out, VfioData d) {
        out.append("\nvfio ").append(Visible.of(d.name())).append(" (section ").append(d.sectionId())
                .append(", guest PCI ").append(Visible.of(d.pciPath())).append(", version ").append(d.version())
                .append("):\n");
        d.setup().ifPresent(p -> out.append("  setup: SETUP_STATE END_OF_STATE\n"));
        for (Pass p : d.passes()) {
            out.append("  precopy pass ").append(p.number()).append(": ").append(n(p.count()))
                    .append(" DATA_STATE, ").append(n(p.bytes())).append(" bytes\n");
        }
        d.stopCopy().ifPresent(p -> out.append("  stop-copy: ").append(n(p.count())).append(" DATA_STATE, ")
                .append(n(p.bytes())).append(" bytes\n"));
        if (d.configBytes() >= 0) {
            out.append("  config: CONFIG_STATE, ").append(n(d.configBytes())).append(" bytes of config space\n");
        }
        if (d.initDataSentOffset() >= 0) {
            out.append("  INIT_DATA_SENT at ").append(hex(d.initDataSentOffset())).append(" (switchover-ack)\n");
        }
        out.append("  data: ").append(n(d.dataBytes())).append(" bytes (precopy ").append(n(d.precopyBytes()))
                .append(" in ").append(d.passes().size()).append(d.passes().size() == 1 ? " pass" : " passes")
                .append(", stop-copy ").append(n(d.stopCopyBytes())).append("); records: ");
        out.append(String.join(", ", Arrays.stream(VfioRecord.Marker.values()).filter(m -> d.count(m) > 0)
                .map(m -> n(d.count(m)) + " " + m).toList())).append('\n');
        if (d.stopCopy().isPresent() && d.dataBytes() == 0) {
            out.append("  no DATA_STATE in the main stream: QEMU may carry this device's state on multifd channels "
                    + "(multifd device state, QEMU 10)\n");
        }
        out.append("  host device: not in the stream (attach to the QEMU to map it)\n");
    }

    /** The report as JSON: the same facts, with every section and the vmdesc-walked fields. */
    public static ObjectNode json(StreamSummary s, Optional<LibvirtSaveHeader> libvirt, long fileSize) {
        ObjectNode root = Json.object().put("source", Visible.of(s.source())).put("stream_offset", s.streamStart())
                .put("end", s.end()).put("complete", s.complete()).put("eof_offset", s.eofOffset()).put("vmdesc", s.described());
        if (fileSize >= 0) {
            root.put("file_size", fileSize);
        }
        libvirt.ifPresent(l -> root.putObject("libvirt").put("version", l.version()).put("domain", l.domain())
                .put("stream_offset", l.streamOffset()).put("was_running", l.wasRunning()));
        if (s.config() != null) {
            ObjectNode c = root.putObject("configuration").put("machine", s.config().machine())
                    .put("target_page_bits", s.config().targetPageBits()).put("uuid", s.config().uuid());
            c.set("capabilities", Json.strings(s.config().capabilities()));
        }
        ArrayNode list = root.putArray("sections");
        for (Section x : s.sections()) {
            ObjectNode o = list.addObject().put("offset", x.offset()).put("type", x.type().name()).put("id", x.id())
                    .put("name", Visible.of(x.name())).put("size", x.size()).put("read_by", x.how());
            if (x.type() != SectionType.COMMAND) {
                o.put("instance", x.instance()).put("version", x.version());
            }
            if (x.isRam()) {
                o.put("pages", x.pages()).put("zero_pages", x.zeroPages()).put("page_bytes", x.dataBytes());
            }
            if (x.isVfio()) {
                o.put("data_bytes", x.dataBytes()).put("records_not_listed", x.recordsNotListed());
                ArrayNode r = o.putArray("records");
                x.records().forEach(v -> r.addObject().put("marker", v.marker().name()).put("offset", v.offset())
                        .put("size", v.size()));
            }
        }
        root.put("sections_not_listed", s.sectionsDropped());
        if (s.ram() != null) {
            RamData ram = s.ram();
            ObjectNode r = root.putObject("ram").put("mem_size", ram.memSize()).put("page_size", ram.pageSize())
                    .put("multifd_flushes", ram.multifdFlushes()).put("xbzrle_pages", ram.xbzrlePages());
            ArrayNode blocks = r.putArray("blocks");
            ram.blocks().forEach(b -> blocks.addObject().put("name", Visible.of(b.name())).put("length", b.length()));
            passes(r.putArray("passes"), ram.passes());
            ram.stopCopy().ifPresent(p -> pass(r.putObject("stop_copy"), p));
            if (!ram.mappedRam().isEmpty()) {
                r.put("mapped_ram", ram.mappedRam());
            }
        }
        ArrayNode devs = root.putArray("vfio");
        for (VfioData d : s.devices()) {
            ObjectNode o = devs.addObject().put("section", Visible.of(d.name())).put("section_id", d.sectionId())
                    .put("pci_path", Visible.of(d.pciPath())).put("version", d.version())
                    .put("data_bytes", d.dataBytes()).put("precopy_bytes", d.precopyBytes())
                    .put("stop_copy_bytes", d.stopCopyBytes()).put("config_bytes", d.configBytes());
            passes(o.putArray("passes"), d.passes());
            d.stopCopy().ifPresent(p -> pass(o.putObject("stop_copy"), p));
            ObjectNode counts = o.putObject("records");
            for (VfioRecord.Marker m : VfioRecord.Marker.values()) {
                counts.put(m.name(), d.count(m));
            }
            if (d.initDataSentOffset() >= 0) {
                o.put("init_data_sent_offset", d.initDataSentOffset());
            }
            o.putNull("host_device");
        }
        root.set("fields", s.fields());
        root.set("notes", Json.strings(s.notes()));
        s.failure().ifPresent(e -> root.putObject("stopped").put("offset", e.offset()).put("reason", e.getMessage()));
        return root;
    }

    private static void passes(ArrayNode a, List<Pass> passes) {
        passes.forEach(p -> pass(a.addObject(), p));
    }

    private static void pass(ObjectNode o, Pass p) {
        o.put("number", p.number()).put("phase", p.phase().label()).put("bytes", p.bytes()).put("count", p.count())
                .put("zero_pages", p.zeroPages()).put("offset", p.offset());
    }
}

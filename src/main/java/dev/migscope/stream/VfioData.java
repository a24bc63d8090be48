package dev.migscope.stream;

import dev.migscope.stream.VfioRecord.Marker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One VFIO device's live section ({@code <pci path>/vfio}), decoded across its START (SETUP_STATE),
 * PARTs (one {@code vfio_save_iterate} each: DATA_STATE blocks read from the data_fd in PRE_COPY),
 * END (the STOP_COPY drain) and FULL (CONFIG_STATE: the vfio-pci config space) sections.
 */
public final class VfioData {


    private final String name;
    private final long id;
    private final long instance;
    private final long version;
    private final List<Pass> passes = new ArrayList<>();
    private Pass setup;
    private Pass stopCopy;
    private long configBytes = -1;
    private long initDataSentOffset = -1;
    private final Map<Marker, Long> counts = new EnumMap<>(Marker.class);
    private final List<DataBlock> blocks = new ArrayList<>();
    private long blocksDropped;
    private long passesDropped;

    VfioData(String name, long id, long instance, long version) {
        this.name = name;
        this.id = id;
        this.instance = instance;
        this.version = version;
    }

    /** The section's name, {@code <pci path>/vfio}. */
    public String name() {
        return name;
    }

    /** The device's path on the guest's PCI bus, as QEMU names the section: "0000:00:01.0". */
    public String pciPath() {
        return name.substring(0, name.length() - "/vfio".length());
    }

    public long sectionId() {
        return id;
    }

    public long instance() {
        return instance;
    }

    public long version() {
        return version;
    }

    /** The START section's records, if the stream has them. */
    public Optional<Pass> setup() {
        return Optional.ofNullable(setup);
    }

    /** The precopy passes, in order. */
    public List<Pass> passes() {
        return List.copyOf(passes);
    }

    public Optional<Pass> stopCopy() {
        return Optional.ofNullable(stopCopy);
    }

    /** Config-space bytes of the CONFIG_STATE record (FULL section), or -1 when the stream has none. */
    public long configBytes() {
        return configBytes;
    }

    /** Where INIT_DATA_SENT came (switchover-ack), or -1. */
    public long initDataSentOffset() {
        return initDataSentOffset;
    }

    public long count(Marker m) {
        return counts.getOrDefault(m, 0L);
    }

    public long precopyBytes() {
        return passes.stream().mapToLong(Pass::bytes).sum();
    }

    public long stopCopyBytes() {
        return stopCopy == null ? 0 : stopCopy.bytes();
    }

    /** All DATA_STATE payload bytes: what QEMU counts as vfio.transferred, less the markers. */
    public long dataBytes() {
        return precopyBytes() + stopCopyBytes() + (setup == null ? 0 : setup.bytes());
    }

    /** The DATA_STATE payloads in stream order (extract copies these). */
    public List<DataBlock> blocks() {
        return List.copyOf(blocks);
    }

    /** DATA_STATE blocks beyond {@link StreamLimits#DATA_BLOCKS}: counted, not kept. */
    public long blocksDropped() {
        return blocksDropped;
    }

    public long passesDropped() {
        return passesDropped;
    }

    /**
     * Reads one section's records. {@code describedSize} is the section's payload size from the
     * vmdesc, when the stream has one: it bounds the config space of a FULL section exactly; without
     * it the config space ends at END_OF_STATE followed by this section's footer.
     *
     * @return the records of this section (the first {@link StreamLimits#RECORDS_PER_SECTION}) and
     *         its DATA_STATE bytes (of all its records, listed or not)
     */
    SectionRead read(StreamInput in, SectionType type, long sectionOffset, OptionalLong describedSize,
            boolean footers, DataSink sink) throws StreamException {
        List<VfioRecord> records = new ArrayList<>();
        long start = in.offset();
        Pass.Phase phase = switch (type) {
            case START -> Pass.Phase.SETUP;
            case END -> Pass.Phase.STOP_COPY;
            default -> Pass.Phase.PRECOPY;
        };
        int passNumber = phase == Pass.Phase.PRECOPY ? passes.size() + 1 : 1;
        long bytes = 0;
        long count = 0;
        long notListed = 0;
        while (true) {
            long at = in.offset();
            long word = in.be64();
            Marker m = Marker.of(word).orElseThrow(() -> new StreamException(at, "an unknown VFIO record 0x"
                    + Long.toHexString(word) + " in " + name + " (markers are 0xffffffffef100001 to ...6)"));
            counts.merge(m, 1L, Long::sum);
            long size = 0;
            switch (m) {
                case DATA_STATE -> {
                    size = in.be64();
                    if (size < 0 || size > StreamLimits.MAX_DATA_STATE) {
                        throw new StreamException(at + 8, "a DATA_STATE of " + Long.toUnsignedString(size)
                                + " bytes in " + name + " (QEMU reads at most 1 MiB from the data_fd per block)");
                    }
                    long payload = in.offset();
                    if (blocks.size() < StreamLimits.DATA_BLOCKS) {
                        blocks.add(new DataBlock(payload, size, phase, passNumber));
                    } else {
                        blocksDropped++;
                    }
                    if (sink != null) {
                        in.copy(size, chunk -> sink.data(this, phase, passNumber, chunk));
                    } else {
                        in.skip(size);
                    }
                    bytes += size;
                    count++;
                }
                case CONFIG_STATE -> {
                    size = passConfig(in, start, describedSize, footers);
                    configBytes = size;
                }
                case INIT_DATA_SENT -> initDataSentOffset = at;
                default -> {
                    // SETUP_STATE, END_OF_STATE, CONFIG_LOAD_READY carry nothing after the marker.
                }
            }
            if (records.size() < StreamLimits.RECORDS_PER_SECTION) {
                records.add(new VfioRecord(m, at, size));
            } else {
                notListed++;
            }
            if (m == Marker.END_OF_STATE || m == Marker.INIT_DATA_SENT) {
                break;
            }
        }
        if (type != SectionType.FULL) {
            Pass p = new Pass(passNumber, phase, bytes, count, 0, sectionOffset);
            switch (phase) {
                case SETUP -> setup = p;
                case STOP_COPY -> stopCopy = p;
                default -> {
                    if (passes.size() < StreamLimits.PASSES) {
                        passes.add(p);
                    } else {
                        passesDropped++;
                    }
                }
            }
        }
        return new SectionRead(records, notListed, bytes);
    }

    /**
     * What one section carried: its first records, how many more it had, and the DATA_STATE bytes
     * of all of them (a stop-copy of a large device has thousands of 1 MiB blocks).
     */
    record SectionRead(List<VfioRecord> records, long recordsNotListed, long dataBytes) {
    }

    /** Passes over the config space (vfio_pci_save_config's VMSD, opaque here) and returns its size. */
    private long passConfig(StreamInput in, long sectionStart, OptionalLong describedSize, boolean footers)
            throws StreamException {
        if (describedSize.isPresent()) {
            // The payload is CONFIG_STATE, the config space, END_OF_STATE.
            long size = describedSize.getAsLong() - (in.offset() - sectionStart) - 8;
            if (size < 0) {
                throw in.error("the vmdesc gives " + name + " " + describedSize.getAsLong()
                        + " bytes, too few for its CONFIG_STATE record");
            }
            in.skip(size);
            return size;
        }
        if (!footers) {
            throw in.error("the config space of " + name + " has no length in the stream, and the stream has "
                    + "neither section footers nor a vmdesc to find its end");
        }
        byte[] end = new byte[13];
        ByteBuffer.wrap(end).putLong(Marker.END_OF_STATE.value).put((byte) SectionType.FOOTER)
                .putInt((int) id);
        return in.scanTo(end, StreamLimits.MAX_OPAQUE_SECTION, "END_OF_STATE followed by its section footer");
    }

    /** Receives DATA_STATE payloads as they pass (the tap's extract, --save of one device). */
    @FunctionalInterface
    public interface DataSink {
        void data(VfioData device, Pass.Phase phase, int pass, ByteBuffer chunk) throws StreamException;
    }
}

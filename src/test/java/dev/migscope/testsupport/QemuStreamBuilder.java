package dev.migscope.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a QEMU migration stream byte for byte as QEMU 10 does (savevm.c, ram.c,
 * hw/vfio/migration.c), for streams a real QEMU cannot be made to write here: a VFIO device's
 * sections on a host without one, and damaged ones. Records the offset of every section start.
 */
public final class QemuStreamBuilder {

    private static final int FLAG_MEM_SIZE = 0x004;
    private static final int FLAG_PAGE = 0x008;
    private static final int FLAG_EOS = 0x010;
    private static final int FLAG_CONTINUE = 0x020;

    public static final long END_OF_STATE = 0xffffffffef100001L;
    public static final long CONFIG_STATE = 0xffffffffef100002L;
    public static final long SETUP_STATE = 0xffffffffef100003L;
    public static final long DATA_STATE = 0xffffffffef100004L;
    public static final long INIT_DATA_SENT = 0xffffffffef100005L;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    public final List<Integer> boundaries = new ArrayList<>();

    public QemuStreamBuilder() {
        be32(0x5145564d).be32(3);
    }

    public QemuStreamBuilder u8(int v) {
        out.write(v);
        return this;
    }

    public QemuStreamBuilder be16(int v) {
        return u8(v >>> 8).u8(v);
    }

    public QemuStreamBuilder be32(long v) {
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) v).array());
        return this;
    }

    public QemuStreamBuilder be64(long v) {
        out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
        return this;
    }

    public QemuStreamBuilder bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    public QemuStreamBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return u8(b.length).bytes(b);
    }

    public int size() {
        return out.size();
    }

    private void mark() {
        boundaries.add(out.size());
    }

    public QemuStreamBuilder configuration(String machine) {
        mark();
        byte[] m = machine.getBytes(StandardCharsets.ISO_8859_1);
        return u8(0x07).be32(m.length).bytes(m);
    }

    public QemuStreamBuilder start(int type, long id, String name, long instance, long version) {
        mark();
        return u8(type).be32(id).str(name).be32(instance).be32(version);
    }

    public QemuStreamBuilder part(int type, long id) {
        mark();
        return u8(type).be32(id);
    }

    public QemuStreamBuilder footer(long id) {
        return u8(0x7e).be32(id);
    }

    /** The ram section's setup: one block, "pc.ram", of {@code length} bytes. */
    public QemuStreamBuilder ramSetup(long id, long length) {
        return start(0x01, id, "ram", 0, 4).be64(length | FLAG_MEM_SIZE).str("pc.ram").be64(length)
                .be64(FLAG_EOS).footer(id);
    }

    /** A ram PART (or END) with pages at these page numbers, the first naming the block. */
    public QemuStreamBuilder ramPages(int type, long id, long... pages) {
        part(type, id);
        boolean first = true;
        for (long p : pages) {
            be64(p * 4096 | FLAG_PAGE | (first ? 0 : FLAG_CONTINUE));
            if (first) {
                str("pc.ram");
            }
            bytes(new byte[4096]);
            first = false;
        }
        return be64(FLAG_EOS).footer(id);
    }

    public QemuStreamBuilder vfioSetup(long id, String name) {
        return start(0x01, id, name, 0, 1).be64(SETUP_STATE).be64(END_OF_STATE).footer(id);
    }

    /** A PART or END of a VFIO section: a DATA_STATE per payload, then END_OF_STATE. */
    public QemuStreamBuilder vfioData(int type, long id, byte[]... payloads) {
        part(type, id);
        for (byte[] p : payloads) {
            be64(DATA_STATE).be64(p.length).bytes(p);
        }
        return be64(END_OF_STATE).footer(id);
    }

    /** The FULL section of save_state: CONFIG_STATE, config space, END_OF_STATE. */
    public QemuStreamBuilder vfioConfig(long id, String name, byte[] config) {
        return start(0x04, id, name, 0, 1).be64(CONFIG_STATE).bytes(config).be64(END_OF_STATE).footer(id);
    }

    public QemuStreamBuilder switchoverStart() {
        mark();
        return u8(0x08).be16(11).be16(0);
    }

    public QemuStreamBuilder eof() {
        mark();
        return u8(0x00);
    }

    public QemuStreamBuilder vmdesc(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return u8(0x06).be32(b.length).bytes(b);
    }

    public byte[] build() {
        return out.toByteArray();
    }

    /**
     * A longer migration of a VM holding mtty, shaped as the rig's (DOMAIN.md): 8 MiB of RAM sent
     * whole in the first pass and fewer dirty pages in each of {@code passes} precopy passes after
     * it; the device's initial data (48 bytes) in its first precopy pass, nothing in the others, 48
     * bytes in the stop-copy, then its 4 KiB config space. The window's stream screenshot shows it.
     */
    public static QemuStreamBuilder mttyMigration(int passes) {
        String vfio = "0000:00:01.0/vfio";
        long pages = 2048;
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").ramSetup(2, pages * 4096)
                .vfioSetup(37, vfio);
        b.ramPages(0x02, 2, java.util.stream.LongStream.range(0, pages).toArray());
        b.vfioData(0x02, 37, new byte[48]);
        long dirty = 400;
        for (int i = 1; i < passes; i++) {
            b.ramPages(0x02, 2, java.util.stream.LongStream.range(0, dirty).map(p -> p * 5 % pages).sorted().toArray());
            b.vfioData(0x02, 37);
            dirty = dirty * 3 / 5;
        }
        return b.switchoverStart().ramPages(0x03, 2, java.util.stream.LongStream.range(0, dirty).toArray())
                .vfioData(0x03, 37, new byte[48]).vfioConfig(37, vfio, new byte[4096]).eof();
    }

    /** A stream as QEMU 10 writes one of a VM holding mtty: RAM, then the device's sections. */
    public static QemuStreamBuilder withDevice(byte[] precopy, byte[] stopCopy, byte[] config) {
        String vfio = "0000:00:01.0/vfio";
        QemuStreamBuilder b = new QemuStreamBuilder().configuration("pc-q35-10.0").ramSetup(2, 1 << 20)
                .vfioSetup(37, vfio).ramPages(0x02, 2, 0, 1, 2).vfioData(0x02, 37, precopy).vfioData(0x02, 37)
                .ramPages(0x02, 2, 1).switchoverStart().ramPages(0x03, 2, 2).vfioData(0x03, 37, stopCopy)
                .vfioConfig(37, vfio, config).eof();
        return b;
    }
}

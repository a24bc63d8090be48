package dev.migscope.sim;

import dev.migscope.fsm.MigFeatures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The bytes a simulated data_fd carries: a sequence of records, each a 32-byte little-endian
 * header and a payload, so that a resume can verify every byte and detect truncation.
 *
 * <pre>
 *  0 u32 magic "MGSC"   4 u16 type   6 u16 version   8 u32 seq   12 u32 payload length
 * 16 u64 page          24 u32 generation             28 u32 CRC32C of bytes 0..27 and the payload
 * </pre>
 *
 * Types: DEVICE (first record: driver, features, geometry, content seed), PAGE (one page of the
 * state at one generation), END (page count and the CRC32C of the generation table).
 */
final class StreamFormat {

    static final int MAGIC = 0x4353474D; // "MGSC" in the stream's byte order
    static final int VERSION = 1;
    static final int HEADER_BYTES = 32;
    static final int TYPE_DEVICE = 1;
    static final int TYPE_PAGE = 2;
    static final int TYPE_END = 3;
    static final int END_PAYLOAD_BYTES = 8;
    /** Nothing this format writes is longer than a page; a longer length means garbage. */
    static final int MAX_PAYLOAD = SimProfile.PAGE_BYTES;

    private StreamFormat() {
    }

    static int pageRecordBytes(int pageBytes) {
        return HEADER_BYTES + pageBytes;
    }

    static int deviceRecordBytes(String driver) {
        return HEADER_BYTES + 24 + driver.getBytes(StandardCharsets.UTF_8).length;
    }

    static int endRecordBytes() {
        return HEADER_BYTES + END_PAYLOAD_BYTES;
    }

    static ByteBuffer deviceRecord(int seq, String driver, MigFeatures features, DeviceImage image) {
        byte[] name = driver.getBytes(StandardCharsets.UTF_8);
        ByteBuffer r = header(TYPE_DEVICE, seq, deviceRecordBytes(driver) - HEADER_BYTES, 0, 0);
        r.putInt(features.flags()).putInt(image.pageBytes()).putInt(image.pageCount()).putInt(0)
                .putLong(image.seed()).put(name);
        return seal(r);
    }

    /** The page's bytes are generated straight into the record: saving costs one pass over them. */
    static ByteBuffer pageRecord(int seq, DeviceImage image, int page) {
        int generation = image.generation(page);
        ByteBuffer r = header(TYPE_PAGE, seq, image.pageBytes(), page, generation);
        DeviceImage.fill(r, image.seed(), page, generation);
        return seal(r);
    }

    static ByteBuffer endRecord(int seq, DeviceImage image) {
        ByteBuffer r = header(TYPE_END, seq, END_PAYLOAD_BYTES, 0, 0);
        r.putInt(image.pageCount()).putInt(image.generationsCrc());
        return seal(r);
    }

    /** A record buffer with its header written (CRC still 0), positioned at the payload. */
    private static ByteBuffer header(int type, int seq, int payloadBytes, long page, int generation) {
        ByteBuffer r = buffer(HEADER_BYTES + payloadBytes);
        r.putInt(MAGIC).putShort((short) type).putShort((short) VERSION).putInt(seq).putInt(payloadBytes)
                .putLong(page).putInt(generation).putInt(0);
        return r;
    }

    /** Fills in the CRC32C and rewinds the record for reading. */
    private static ByteBuffer seal(ByteBuffer r) {
        CRC32C crc = new CRC32C();
        crc.update(r.array(), 0, HEADER_BYTES - 4);
        crc.update(r.array(), HEADER_BYTES, r.capacity() - HEADER_BYTES);
        r.putInt(HEADER_BYTES - 4, (int) crc.getValue());
        return r.clear();
    }

    /** True when the CRC32C field matches the header and payload. */
    static boolean crcMatches(ByteBuffer header, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_BYTES - 4);
        crc.update(payload.duplicate().rewind());
        return (int) crc.getValue() == header.getInt(HEADER_BYTES - 4);
    }

    static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}

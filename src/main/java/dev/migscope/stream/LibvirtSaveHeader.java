package dev.migscope.stream;

import dev.migscope.device.Visible;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header libvirt puts before QEMU's stream in a {@code virsh save} image (libvirt's
 * src/qemu/qemu_saveimage.h, virQEMUSaveHeader): magic "LibvirtQemudSave", then u32 version,
 * data_len (the domain XML and its cookie, padded), was_running, compressed, cookieOffset and 14
 * unused u32, in the saving host's byte order; the XML follows, then QEMU's stream.
 *
 * @param streamOffset where QEMU's stream starts
 * @param domain       the domain's name from the XML, or ""
 */
public record LibvirtSaveHeader(int version, long streamOffset, String domain, boolean wasRunning) {

    static final String MAGIC = "LibvirtQemudSave";
    /** Written while the save runs; renamed to MAGIC when it completes. */
    static final String PARTIAL = "LibvirtQemudPart";
    private static final int HEADER = 16 + 4 * 19;
    private static final long MAX_DATA = 16 << 20;
    private static final String[] FORMATS = {"raw", "gzip", "bzip2", "xz", "lzop", "zstd"};
    private static final Pattern NAME = Pattern.compile("<name>([^<]{1,256})</name>");

    /** The header, if the file starts with one; empty for a bare QEMU stream. */
    static Optional<LibvirtSaveHeader> read(FileChannel ch) throws IOException, StreamException {
        ByteBuffer b = ByteBuffer.allocate(HEADER);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // read what there is
        }
        b.flip();
        if (b.remaining() < 16) {
            return Optional.empty();
        }
        String magic = new String(b.array(), 0, 16, StandardCharsets.ISO_8859_1);
        if (magic.equals(PARTIAL)) {
            throw new StreamException(0, "a libvirt save image that was never finished (magic " + PARTIAL
                    + "): the save failed or is still running");
        }
        if (!magic.equals(MAGIC)) {
            return Optional.empty();
        }
        if (b.remaining() < HEADER) {
            throw new StreamException(b.remaining(), "a libvirt save image cut inside its header");
        }
        b.position(16);
        // libvirt writes its own byte order; version 2 read byte-swapped says it was the other one.
        b.order(ByteOrder.nativeOrder());
        long version = Integer.toUnsignedLong(b.getInt(16));
        if (version > 0xffff) {
            b.order(b.order() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            version = Integer.toUnsignedLong(b.getInt(16));
        }
        long dataLen = Integer.toUnsignedLong(b.getInt(20));
        boolean running = b.getInt(24) != 0;
        long compressed = Integer.toUnsignedLong(b.getInt(28));
        if (version < 1 || version > 3) {
            throw new StreamException(16, "libvirt save image version " + version + " (libvirt writes 2 or 3)");
        }
        if (dataLen > MAX_DATA || HEADER + dataLen > ch.size()) {
            throw new StreamException(20, "libvirt save image declares " + dataLen + " bytes of domain XML in a file of "
                    + ch.size());
        }
        long streamOffset = HEADER + dataLen;
        if (compressed != 0) {
            String format = compressed < FORMATS.length ? FORMATS[(int) compressed] : "format " + compressed;
            throw new StreamException(28, "the libvirt save image's QEMU stream is compressed (" + format
                    + "): uncompress it first, e.g. tail -c +" + (streamOffset + 1) + " FILE | "
                    + (compressed < FORMATS.length ? FORMATS[(int) compressed] : "DECOMPRESSOR") + " -d > stream");
        }
        ByteBuffer xml = ByteBuffer.allocate((int) Math.min(dataLen, 1 << 16));
        ch.read(xml, HEADER);
        Matcher m = NAME.matcher(new String(xml.array(), 0, xml.position(), StandardCharsets.UTF_8));
        String domain = m.find() ? Visible.of(m.group(1)) : "";
        return Optional.of(new LibvirtSaveHeader((int) version, streamOffset, domain, running));
    }
}

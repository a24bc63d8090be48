package dev.migscope.stream;

import dev.migscope.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A QEMU migration stream in a file: {@code migrate file:PATH}, {@code migrate exec:cat>PATH}, or
 * inside a libvirt save image. Its vmdesc is found at the end first, as QEMU's analyzer does, so
 * FULL sections can be walked field by field.
 */
public final class QemuStreamFile {

    private QemuStreamFile() {
    }

    /** The file read, and the libvirt header around it when there is one. */
    public record Read(StreamSummary summary, Optional<LibvirtSaveHeader> libvirt, long fileSize) {
    }

    /**
     * Reads the whole file. IOException only for a file that cannot be opened or read; damage is
     * in {@link StreamSummary#failure()}.
     */
    public static Read read(Path file, VfioData.DataSink sink) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            Optional<LibvirtSaveHeader> libvirt;
            try {
                libvirt = LibvirtSaveHeader.read(ch);
            } catch (StreamException e) {
                return new Read(failed(file, e), Optional.empty(), size);
            }
            long start = libvirt.map(LibvirtSaveHeader::streamOffset).orElse(0L);
            Vmdesc vmdesc;
            try {
                vmdesc = findVmdesc(ch, start);
            } catch (StreamException e) {
                vmdesc = null;
            }
            ch.position(start);
            StreamInput in = new StreamInput(ch, start);
            StreamSummary s = new StreamDecoder(in, file.toString(), vmdesc, null, sink).decode();
            return new Read(s, libvirt, size);
        }
    }

    private static StreamSummary failed(Path file, StreamException e) {
        return new StreamSummary(file.toString(), 0, e.offset(), null, List.of(), 0, null,
                List.of(), Json.object(), false, -1, 0, List.of(),
                Optional.of(e));
    }

    /**
     * The vmdesc QEMU wrote after QEMU_VM_EOF: QEMU_VM_VMDESCRIPTION, be32 length, the JSON, ending
     * the file. Looked for backwards in the last 16 MiB: the byte before it is EOF (0x00), its length
     * reaches exactly to the end and the JSON starts with '{'. Null when the file has none.
     */
    static Vmdesc findVmdesc(FileChannel ch, long start) throws IOException, StreamException {
        long size = ch.size();
        long from = Math.max(start, size - StreamLimits.MAX_VMDESC - 6);
        ByteBuffer tail = ByteBuffer.allocate((int) (size - from));
        while (tail.hasRemaining() && ch.read(tail, from + tail.position()) > 0) {
            // read to the end
        }
        byte[] b = tail.array();
        int n = tail.position();
        for (int p = n - 6; p >= 1; p--) {
            if (b[p] != SectionType.VMDESCRIPTION || b[p - 1] != SectionType.EOF || b[p + 5] != '{') {
                continue;
            }
            long len = ByteBuffer.wrap(b, p + 1, 4).getInt() & 0xffffffffL;
            if (p + 5 + len == n) {
                byte[] json = Arrays.copyOfRange(b, p + 5, n);
                return Vmdesc.parse(json, from + p + 5);
            }
        }
        return null;
    }
}

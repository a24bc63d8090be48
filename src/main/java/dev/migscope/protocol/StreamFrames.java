package dev.migscope.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.json.Json;
import dev.migscope.device.MigrationFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * A stream file crossing the connection: {@link Protocol#CHUNK} lines of at most {@link #CHUNK}
 * bytes, each {@code {"type":"chunk","offset":N,"data":BASE64,"crc32c":C}}, then an end that
 * carries the total and the SHA-256 of the whole file. The receiving side writes the bytes verbatim
 * into a hidden temporary file next to the target, checks every chunk's offset and CRC32C as it
 * comes, the total, the SHA-256 and the file format at the end, and only then renames it into
 * place: the file is byte for byte the one the sending side has, and it appears only when complete.
 */
public final class StreamFrames {

    /** Bytes per chunk: a line of about 88 KiB. */
    public static final int CHUNK = 64 * 1024;

    /** Bytes of one file: more than any device's migration data; a sender going past it is broken. */
    public static final long MAX_TOTAL = 64L << 30;

    /** Base64 characters of a full chunk. */
    private static final int CHUNK_BASE64 = 4 * ((CHUNK + 2) / 3);

    private StreamFrames() {
    }

    /** The end of a sent file: its length and SHA-256 (hex). */
    public record End(long total, String sha256) {
        public ObjectNode putInto(ObjectNode o) {
            return o.put("total", total).put("sha256", sha256);
        }

        public static End of(JsonNode o) {
            return new End(Codec.integer(o, "total"), Codec.requiredText(o, "sha256"));
        }
    }

    /** Why received bytes were refused: one sentence. */
    public static final class BadFrame extends Exception {
        private static final long serialVersionUID = 1L;

        BadFrame(String message) {
            super(message, null, false, false);
        }
    }

    /** Sends {@code file} as chunks; {@code frame} gets each chunk message without its routing keys. */
    public static End send(Path file, Consumer<ObjectNode> frame) throws IOException {
        MessageDigest sha = sha256();
        long offset = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (ch.read(buf) > 0 || buf.position() > 0) {
                buf.flip();
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                buf.clear();
                sha.update(b);
                CRC32C crc = new CRC32C();
                crc.update(b);
                frame.accept(Json.object().put("type", Protocol.CHUNK).put("offset", offset)
                        .put("data", Base64.getEncoder().encodeToString(b)).put("crc32c", crc.getValue()));
                offset += b.length;
            }
        }
        return new End(offset, HexFormat.of().formatHex(sha.digest()));
    }

    /** One incoming file: chunks in order, then {@link #finish}; {@link #abort} leaves nothing. */
    public static final class Receiver implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final FileChannel ch;
        private final MessageDigest sha = sha256();
        private final long maxTotal;
        private long received;
        private boolean done;

        /** Creates the hidden temporary file next to {@code target}; nothing exists at {@code target} yet. */
        public Receiver(Path target) throws IOException {
            this(target, MAX_TOTAL);
        }

        Receiver(Path target, long maxTotal) throws IOException {
            this.maxTotal = maxTotal;
            this.target = target.toAbsolutePath();
            this.temp = MigrationFile.temporaryFor(this.target);
            this.ch = MigrationFile.ChannelOpener.DEFAULT.open(temp);
        }

        /**
         * Checks one chunk's offset and CRC32C and appends it. A chunk past {@link #CHUNK} bytes, or
         * one that takes the file past {@link #MAX_TOTAL}, is a {@link ProtocolException}: the sender
         * is broken, not the bytes.
         */
        public void accept(JsonNode chunk) throws IOException, BadFrame {
            long offset = Codec.integer(chunk, "offset");
            String data = Codec.requiredText(chunk, "data");
            long sum = Codec.integer(chunk, "crc32c");
            if (data.length() > CHUNK_BASE64) {
                throw new ProtocolException("field data: a chunk of " + data.length() + " base64 characters, more "
                        + "than the protocol's " + CHUNK_BASE64 + " (" + CHUNK + " bytes)");
            }
            if (offset != received) {
                throw new BadFrame("a chunk for offset " + offset + " arrived where " + received + " was next");
            }
            byte[] b;
            try {
                b = Base64.getDecoder().decode(data);
            } catch (IllegalArgumentException e) {
                throw new BadFrame("the chunk at offset " + offset + " is not base64");
            }
            if (received + b.length > maxTotal) {
                throw new ProtocolException("field data: the file goes past " + maxTotal + " bytes, the most "
                        + "one transfer may carry");
            }
            CRC32C crc = new CRC32C();
            crc.update(b);
            if (crc.getValue() != sum) {
                throw new BadFrame("the chunk at offset " + offset + " fails its CRC32C");
            }
            sha.update(b);
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            received += b.length;
        }

        /**
         * Checks the total, the SHA-256 and the whole file's format, then fsyncs and renames it into
         * place. On any failure nothing is left.
         */
        public void finish(End end) throws IOException, BadFrame, MigrationFile.InvalidFileException {
            try {
                if (end.total() != received) {
                    throw new BadFrame(received + " bytes arrived of " + end.total());
                }
                if (!HexFormat.of().formatHex(sha.digest()).equals(end.sha256())) {
                    throw new BadFrame("the " + received + " bytes that arrived fail the sender's SHA-256");
                }
                ch.force(true);
                MigrationFile.verify(temp);
                MigrationFile.install(ch, temp, target);
                done = true;
            } finally {
                close();
            }
        }

        public long received() {
            return received;
        }

        /** Removes the temporary file; the target is untouched. */
        public void abort() {
            done = true;
            MigrationFile.discard(ch, temp);
        }

        @Override
        public void close() {
            if (!done) {
                abort();
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

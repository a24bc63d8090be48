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

    private StreamFrames() {
    }

    /** The end of a sent file: its length and SHA-256 (hex). */
    public record End(long total, String sha256) {
        public ObjectNode putInto(ObjectNode o) {
            return o.put("total", total).put("sha256", sha256);
        }

        public static End of(JsonNode o) {
            return new End(o.path("total").asLong(-1), o.path("sha256").asText(""));
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
        private long received;
        private boolean done;

        /** Creates the hidden temporary file next to {@code target}; nothing exists at {@code target} yet. */
        public Receiver(Path target) throws IOException {
            this.target = target.toAbsolutePath();
            this.temp = MigrationFile.temporaryFor(this.target);
            this.ch = MigrationFile.ChannelOpener.DEFAULT.open(temp);
        }

        /** Checks one chunk's offset and CRC32C and appends it. */
        public void accept(JsonNode chunk) throws IOException, BadFrame {
            long offset = chunk.path("offset").asLong(-1);
            if (offset != received) {
                throw new BadFrame("a chunk for offset " + offset + " arrived where " + received + " was next");
            }
            byte[] b;
            try {
                b = Base64.getDecoder().decode(chunk.path("data").asText());
            } catch (IllegalArgumentException e) {
                throw new BadFrame("the chunk at offset " + offset + " is not base64");
            }
            CRC32C crc = new CRC32C();
            crc.update(b);
            if (crc.getValue() != chunk.path("crc32c").asLong(-1)) {
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

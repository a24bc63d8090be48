package dev.migscope.device;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The saved-stream file: a self-describing container for what a device's data_fd produced, so
 * it can be checked completely before a single byte reaches a resuming device.
 *
 * <pre>
 * offset 0   "MIGSCOPE"                         magic, 8 bytes
 *        8   u32 format version (1)
 *       12   u32 header length H (bytes from offset 16 to the data)
 *       16   u32 migration flags of the source (VFIO_MIGRATION_*)
 *            str driver, str device id, str vendor id, str device id (PCI ids; "" when none)
 *            u64 created, ms since the epoch
 *            str origin (version 2): where the data came from when not from a device's data_fd
 *                directly, e.g. the QEMU stream, section and offsets it was extracted from; "" otherwise
 *            u32 phase count, then per phase: u32 state (MigState ABI), u64 length, u32 CRC32C
 *            u32 CRC32C of bytes [0, here)
 *   16 + H   the phases' data, in order
 * </pre>
 * Integers are big-endian; str is u16 length + UTF-8. The data of all phases, concatenated, is
 * exactly the byte stream the source's data_fd gave: that is what RESUMING must be written. A file
 * extracted from a QEMU stream has one PRE_COPY phase per precopy pass, and may leave the driver
 * ("") and the features (0) unrecorded: the stream does not say them. Version 1 files (no origin)
 * are read as well.
 */
public final class MigrationFile {

    static final byte[] MAGIC = "MIGSCOPE".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 2;
    private static final int FIXED = 16;
    /** A sane cap so a corrupted header cannot make the reader allocate wildly. */
    private static final int MAX_HEADER = 256 * 1024;
    /** A QEMU stream's precopy passes each become a phase; more are merged into the last. */
    public static final int MAX_PHASES = 4096;

    private MigrationFile() {
    }

    /**
     * Who produced the stream; a resume target must match it where it is recorded: an empty driver
     * and features 0 mean "not recorded" (data extracted from a QEMU stream, which names neither).
     */
    public record Source(String driver, String deviceId, String vendorId, String pciDeviceId, MigFeatures features,
            String origin) {

        /** A device's own save: no origin beyond the device. */
        public Source(String driver, String deviceId, String vendorId, String pciDeviceId, MigFeatures features) {
            this(driver, deviceId, vendorId, pciDeviceId, features, "");
        }

        public boolean driverRecorded() {
            return !driver.isEmpty();
        }

        public boolean featuresRecorded() {
            return features.flags() != 0;
        }
    }

    /** One phase of the stream: PRE_COPY or STOP_COPY, with its length and CRC32C. */
    public record Phase(MigState state, long length, int crc32c) {
    }

    /** A file whose header and every phase checksum were verified. */
    public record Verified(Path path, Source source, long createdMillis, List<Phase> phases, long dataOffset) {
        public long dataLength() {
            return phases.stream().mapToLong(Phase::length).sum();
        }
    }

    /** Why a file is refused: one sentence naming the problem. */
    public static final class InvalidFileException extends Exception {
        private static final long serialVersionUID = 1L;

        public InvalidFileException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads and checks the whole file: magic, version, header CRC, lengths against the file size,
     * and the CRC32C of every phase.
     */
    public static Verified verify(Path file) throws IOException, InvalidFileException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return verify(file, ch);
        }
    }

    /**
     * {@link #verify(Path)} on a channel already open on {@code file}: a resume streams the very
     * file it verified from the same channel, so no file put at the path in between is read.
     */
    public static Verified verify(Path file, FileChannel ch) throws IOException, InvalidFileException {
        long size = ch.size();
        if (size < FIXED) {
            throw new InvalidFileException(file + " is " + size + " bytes: too short to be a migscope stream file");
        }
        ByteBuffer fixed = ByteBuffer.allocate(FIXED);
        readFully(ch, fixed, 0);
        fixed.flip();
        byte[] magic = new byte[MAGIC.length];
        fixed.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new InvalidFileException(file + " is not a migscope stream file (bad magic)");
        }
        int version = fixed.getInt();
        if (version != 1 && version != VERSION) {
            throw new InvalidFileException(file + " has format version " + Integer.toUnsignedString(version)
                    + "; this migscope reads versions 1 and " + VERSION);
        }
        int headerLength = fixed.getInt();
        if (headerLength < 0 || headerLength > MAX_HEADER || FIXED + (long) headerLength > size) {
            throw new InvalidFileException(file + " is truncated or corrupt: header length "
                    + Integer.toUnsignedString(headerLength) + " does not fit in " + size + " bytes");
        }
        ByteBuffer header = ByteBuffer.allocate(headerLength);
        readFully(ch, header, FIXED);
        header.flip();
        Verified v = parseHeader(file, fixed.array(), header, size, version);
        checkPhases(ch, v);
        return v;
    }

    private static Verified parseHeader(Path file, byte[] fixed, ByteBuffer h, long size, int version)
            throws InvalidFileException {
        try {
            int flags = h.getInt();
            String driver = str(h);
            String devId = str(h);
            String vendor = str(h);
            String pciDev = str(h);
            long created = h.getLong();
            String origin = version >= 2 ? str(h) : "";
            int count = h.getInt();
            if (count < 1 || count > MAX_PHASES) {
                throw new InvalidFileException(file + " is corrupt: " + Integer.toUnsignedString(count) + " phases");
            }
            List<Phase> phases = new ArrayList<>();
            long total = 0;
            for (int i = 0; i < count; i++) {
                int abi = h.getInt();
                long len = h.getLong();
                int crc = h.getInt();
                MigState st = MigState.fromAbi(abi).orElseThrow(() -> new InvalidFileException(
                        file + " is corrupt: phase state " + Integer.toUnsignedString(abi)));
                if (len < 0 || len > size) {
                    throw new InvalidFileException(file + " is corrupt or truncated: phase " + st + " declares "
                            + Long.toUnsignedString(len) + " bytes in a file of " + size);
                }
                total += len;
                phases.add(new Phase(st, len, crc));
            }
            int headerCrcPos = h.position();
            int storedCrc = h.getInt();
            CRC32C crc = new CRC32C();
            crc.update(fixed, 0, FIXED);
            crc.update(h.array(), 0, headerCrcPos);
            if ((int) crc.getValue() != storedCrc) {
                throw new InvalidFileException(file + " is corrupt: header checksum mismatch");
            }
            long dataOffset = FIXED + (long) h.limit();
            if (dataOffset + total != size) {
                throw new InvalidFileException(file + (dataOffset + total > size ? " is truncated" : " has trailing bytes")
                        + ": header declares " + total + " data bytes, file holds " + (size - dataOffset));
            }
            MigFeatures features = new MigFeatures(flags);
            return new Verified(file, new Source(driver, devId, vendor, pciDev, features, origin), created, phases,
                    dataOffset);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new InvalidFileException(file + " is corrupt: its header ends early");
        }
    }

    private static void checkPhases(FileChannel ch, Verified v) throws IOException, InvalidFileException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long pos = v.dataOffset();
        for (Phase p : v.phases()) {
            CRC32C crc = new CRC32C();
            long left = p.length();
            while (left > 0) {
                buf.clear().limit((int) Math.min(buf.capacity(), left));
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    throw new InvalidFileException(v.path() + " is truncated in phase " + p.state());
                }
                buf.flip();
                crc.update(buf);
                pos += n;
                left -= n;
            }
            if ((int) crc.getValue() != p.crc32c()) {
                throw new InvalidFileException(v.path() + " is corrupt: the " + p.state() + " data fails its CRC32C");
            }
        }
    }

    private static String str(ByteBuffer h) {
        int len = Short.toUnsignedInt(h.getShort());
        byte[] b = new byte[len];
        h.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    /** Where a file for {@code target} is written until it is complete: hidden, in the same directory. */
    public static Path temporaryFor(Path target) {
        Path t = target.toAbsolutePath();
        return t.getParent().resolve("." + t.getFileName() + "." + ProcessHandle.current().pid() + ".part");
    }

    /** Makes a complete temporary file the target: fsync, close, rename (atomic where the file system can). */
    public static void install(FileChannel ch, Path temp, Path target) throws IOException {
        ch.force(true);
        ch.close();
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Drops an incomplete temporary file: closes it and deletes it; the target is untouched. */
    public static void discard(FileChannel ch, Path temp) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a file we are deleting: nothing to report
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // the directory became unwritable; the .part file name says what it is
        }
    }

    /** Turns a file-system failure into an error that names the file and the fix. */
    public static VfioError fileError(IOException e, Path file, String op, String deviceId) {
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : String.valueOf(e.getMessage());
        if (e instanceof AccessDeniedException) {
            return VfioError.of(Errno.EACCES, op + " " + file, deviceId, "permission denied on " + file
                    + "; choose a directory you can write to");
        }
        if (e instanceof NoSuchFileException) {
            return VfioError.of(Errno.ENOENT, op + " " + file, deviceId, "no such file or directory: " + file);
        }
        if (reason.contains("No space left")) {
            return VfioError.of(Errno.ENOSPC, op + " " + file, deviceId, "no space left on the file system of "
                    + file + "; nothing was kept: free some space or save elsewhere");
        }
        if (reason.contains("Read-only file system")) {
            return VfioError.of(Errno.EROFS, op + " " + file, deviceId, file + " is on a read-only file system");
        }
        return VfioError.of(Errno.EIO, op + " " + file, deviceId, reason);
    }

    /** Opens a channel for the temporary file; tests substitute one that fails (a full disk). */
    @FunctionalInterface
    public interface ChannelOpener {
        FileChannel open(Path path) throws IOException;

        /**
         * Creates the file exclusively (O_EXCL: never an existing file, nor through a symlink) and
         * readable by its owner only (0600) from the start: device state can hold guest memory.
         */
        ChannelOpener DEFAULT = p -> FileChannel.open(p,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /**
     * Writes a stream file atomically: data goes to a temporary file in the target's directory, the
     * header is filled in at the end, the file is fsync'ed and renamed over the target. Until
     * {@link #commit()} nothing exists at the target path; {@link #abort()} leaves nothing behind.
     */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final FileChannel ch;
        private final Source source;
        private final List<MigState> phaseStates;
        private final long[] lengths;
        private final CRC32C[] crcs;
        private final int headerLength;
        private int current = -1;
        private boolean done;

        /**
         * @param phases the phases that will be written, in order (the header reserves room for them)
         */
        public Writer(Path target, Source source, List<MigState> phases, ChannelOpener opener) throws IOException {
            this.target = target.toAbsolutePath();
            this.source = source;
            this.phaseStates = List.copyOf(phases);
            this.lengths = new long[phases.size()];
            this.crcs = new CRC32C[phases.size()];
            Path dir = this.target.getParent();
            this.temp = temporaryFor(this.target);
            this.ch = opener.open(temp);
            byte[] header = header(0);
            this.headerLength = header.length - FIXED;
            try {
                writeFully(ByteBuffer.wrap(header), 0);
                ch.position(header.length);
            } catch (IOException e) {
                abort();
                throw e;
            }
        }

        /** Starts the next phase; it must be the next of those given at construction. */
        public void beginPhase(MigState state) {
            int next = current + 1;
            if (next >= phaseStates.size() || phaseStates.get(next) != state) {
                throw new IllegalStateException("phase " + state + " was not declared next; declared " + phaseStates);
            }
            current = next;
            crcs[current] = new CRC32C();
        }

        /** Appends {@code data} (position..limit) to the current phase. */
        public void write(ByteBuffer data) throws IOException {
            ByteBuffer dup = data.duplicate();
            crcs[current].update(dup);
            while (data.hasRemaining()) {
                lengths[current] += ch.write(data);
            }
        }

        /** Fills in the header, fsyncs and renames into place. */
        public void commit() throws IOException {
            for (int i = current + 1; i < phaseStates.size(); i++) {
                crcs[i] = new CRC32C(); // a declared phase that produced no data is empty
            }
            byte[] header = header(1);
            if (header.length - FIXED != headerLength) {
                throw new IllegalStateException("header size changed");
            }
            writeFully(ByteBuffer.wrap(header), 0);
            install(ch, temp, target);
            done = true;
        }

        /** Removes the temporary file; the target is untouched. */
        public void abort() {
            discard(ch, temp);
            done = true;
        }

        @Override
        public void close() {
            if (!done) {
                abort();
            }
        }

        public long bytesWritten() {
            long t = 0;
            for (long l : lengths) {
                t += l;
            }
            return t;
        }

        private void writeFully(ByteBuffer b, long pos) throws IOException {
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
        }

        private byte[] header(int pass) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(0); // header length, patched below
            out.writeInt(source.features().flags());
            writeStr(out, source.driver());
            writeStr(out, source.deviceId());
            writeStr(out, source.vendorId());
            writeStr(out, source.pciDeviceId());
            out.writeLong(System.currentTimeMillis());
            writeStr(out, source.origin());
            out.writeInt(phaseStates.size());
            for (int i = 0; i < phaseStates.size(); i++) {
                out.writeInt(phaseStates.get(i).abi());
                out.writeLong(lengths[i]);
                out.writeInt(pass == 0 || crcs[i] == null ? 0 : (int) crcs[i].getValue());
            }
            out.flush();
            byte[] h = bytes.toByteArray();
            ByteBuffer.wrap(h).putInt(12, h.length + 4 - FIXED);
            CRC32C crc = new CRC32C();
            crc.update(h);
            ByteBuffer all = ByteBuffer.allocate(h.length + 4).put(h).putInt((int) crc.getValue());
            return all.array();
        }

        private static void writeStr(DataOutputStream out, String s) throws IOException {
            byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
            out.writeShort(b.length);
            out.write(b);
        }
    }
}

package dev.migscope.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.testsupport.FullDiskChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MigrationFileTest {

    private static final MigrationFile.Source SOURCE = new MigrationFile.Source("mlx5_vfio_pci", "sim:mlx5-0",
            "0x15b3", "0x101e", MigFeatures.ALL);

    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes a two-phase file in several chunks per phase. */
    private Path write(String name, byte[] pre, byte[] stop) throws IOException {
        Path file = dir.resolve(name);
        try (MigrationFile.Writer w = new MigrationFile.Writer(file, SOURCE,
                List.of(MigState.PRE_COPY, MigState.STOP_COPY), MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(MigState.PRE_COPY);
            writeChunked(w, pre);
            w.beginPhase(MigState.STOP_COPY);
            writeChunked(w, stop);
            assertThat(w.bytesWritten()).isEqualTo(pre.length + stop.length);
            w.commit();
        }
        return file;
    }

    private static void writeChunked(MigrationFile.Writer w, byte[] data) throws IOException {
        for (int off = 0; off < data.length; off += 777) {
            w.write(ByteBuffer.wrap(data, off, Math.min(777, data.length - off)));
        }
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    @Test
    void roundTripKeepsSourcePhasesAndBytes() throws Exception {
        byte[] pre = random(5000, 1);
        byte[] stop = random(12_345, 2);
        long before = System.currentTimeMillis();
        Path file = write("a.mig", pre, stop);

        MigrationFile.Verified v = MigrationFile.verify(file);
        assertThat(v.source()).isEqualTo(SOURCE);
        assertThat(v.phases()).containsExactly(new MigrationFile.Phase(MigState.PRE_COPY, pre.length, crc(pre)),
                new MigrationFile.Phase(MigState.STOP_COPY, stop.length, crc(stop)));
        assertThat(v.dataLength()).isEqualTo(pre.length + stop.length);
        assertThat(v.createdMillis()).isBetween(before - 1000, System.currentTimeMillis() + 1000);
        byte[] all = Files.readAllBytes(file);
        assertThat(all.length).isEqualTo(v.dataOffset() + v.dataLength());
        assertThat(Arrays.copyOfRange(all, (int) v.dataOffset(), (int) v.dataOffset() + pre.length)).isEqualTo(pre);
        assertThat(Arrays.copyOfRange(all, (int) v.dataOffset() + pre.length, all.length)).isEqualTo(stop);
        assertThat(Arrays.copyOf(all, 8)).isEqualTo("MIGSCOPE".getBytes(StandardCharsets.US_ASCII));
        assertThat(leftovers()).containsExactly(file);
    }

    @Test
    void aDeclaredPhaseThatProducedNothingIsEmpty() throws Exception {
        Path file = dir.resolve("b.mig");
        try (MigrationFile.Writer w = new MigrationFile.Writer(file, SOURCE,
                List.of(MigState.PRE_COPY, MigState.STOP_COPY), MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(MigState.PRE_COPY);
            w.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            w.commit();
        }
        MigrationFile.Verified v = MigrationFile.verify(file);
        assertThat(v.phases()).extracting(MigrationFile.Phase::length).containsExactly(3L, 0L);
    }

    @Test
    void stopCopyOnlyFileWithNoDataVerifies() throws Exception {
        Path file = dir.resolve("c.mig");
        MigrationFile.Source src = new MigrationFile.Source("sim", "sim:stopcopy-0", "", "",
                MigFeatures.STOP_COPY_ONLY);
        try (MigrationFile.Writer w = new MigrationFile.Writer(file, src, List.of(MigState.STOP_COPY),
                MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(MigState.STOP_COPY);
            w.commit();
        }
        MigrationFile.Verified v = MigrationFile.verify(file);
        assertThat(v.source()).isEqualTo(src);
        assertThat(v.dataLength()).isZero();
    }

    @Test
    void phasesMustComeInTheDeclaredOrder() throws Exception {
        try (MigrationFile.Writer w = new MigrationFile.Writer(dir.resolve("d.mig"), SOURCE,
                List.of(MigState.PRE_COPY, MigState.STOP_COPY), MigrationFile.ChannelOpener.DEFAULT)) {
            assertThatThrownBy(() -> w.beginPhase(MigState.STOP_COPY)).isInstanceOf(IllegalStateException.class);
            w.beginPhase(MigState.PRE_COPY);
            w.beginPhase(MigState.STOP_COPY);
            assertThatThrownBy(() -> w.beginPhase(MigState.STOP_COPY)).isInstanceOf(IllegalStateException.class);
        }
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void commitReplacesAnExistingFileAndLeavesNoPart() throws Exception {
        Path file = dir.resolve("e.mig");
        Files.writeString(file, "old");
        write("e.mig", random(10, 3), random(10, 4));
        assertThat(MigrationFile.verify(file).dataLength()).isEqualTo(20);
        assertThat(leftovers()).containsExactly(file);
    }

    @Test
    void abortLeavesNothingAndKeepsAnExistingTarget() throws Exception {
        Path file = dir.resolve("f.mig");
        Files.writeString(file, "keep me");
        MigrationFile.Writer w = new MigrationFile.Writer(file, SOURCE, List.of(MigState.STOP_COPY),
                MigrationFile.ChannelOpener.DEFAULT);
        w.beginPhase(MigState.STOP_COPY);
        w.write(ByteBuffer.wrap(random(100, 5)));
        assertThat(leftovers()).hasSize(2); // the target and the .part
        w.abort();
        assertThat(leftovers()).containsExactly(file);
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void closeWithoutCommitLeavesNothing() throws Exception {
        Path file = dir.resolve("g.mig");
        try (MigrationFile.Writer w = new MigrationFile.Writer(file, SOURCE, List.of(MigState.STOP_COPY),
                MigrationFile.ChannelOpener.DEFAULT)) {
            w.beginPhase(MigState.STOP_COPY);
            w.write(ByteBuffer.wrap(random(100, 6)));
        }
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aDiskThatFillsUpDuringDataLeavesNothing() throws Exception {
        Path file = dir.resolve("h.mig");
        MigrationFile.Writer w = new MigrationFile.Writer(file, SOURCE, List.of(MigState.STOP_COPY),
                FullDiskChannel.opener(1000));
        w.beginPhase(MigState.STOP_COPY);
        assertThatThrownBy(() -> w.write(ByteBuffer.wrap(random(5000, 7))))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left on device");
        w.abort();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aDiskTooFullForTheHeaderFailsTheConstructorAndLeavesNothing() throws IOException {
        Path file = dir.resolve("i.mig");
        assertThatThrownBy(() -> new MigrationFile.Writer(file, SOURCE, List.of(MigState.STOP_COPY),
                FullDiskChannel.opener(10))).isInstanceOf(IOException.class)
                .hasMessageContaining("No space left on device");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void anOpenerThatFailsLeavesNothing() throws IOException {
        Path file = dir.resolve("j.mig");
        assertThatThrownBy(() -> new MigrationFile.Writer(file, SOURCE, List.of(MigState.STOP_COPY), p -> {
            throw new java.nio.file.AccessDeniedException(p.toString());
        })).isInstanceOf(java.nio.file.AccessDeniedException.class);
        assertThat(leftovers()).isEmpty();
    }

    // ------------------------------------------------------------------ corruption

    /** Where the header's fields are in a file written by {@link #write}. */
    private record Layout(int countPos, int phasesPos, int crcPos, int dataOffset) {
        static Layout of(byte[] f) {
            ByteBuffer b = ByteBuffer.wrap(f);
            int p = 20;
            for (int i = 0; i < 4; i++) {
                p += 2 + Short.toUnsignedInt(b.getShort(p));
            }
            p += 8; // created
            p += 2 + Short.toUnsignedInt(b.getShort(p)); // origin (format version 2)
            int count = b.getInt(p);
            return new Layout(p, p + 4, p + 4 + 16 * count, p + 8 + 16 * count);
        }

        int phaseLengthPos(int phase) {
            return phasesPos + 16 * phase + 4;
        }
    }

    /** Rewrites the header CRC so that a corruption is refused for what it is, not for the checksum. */
    private static byte[] resealed(byte[] f) {
        Layout l = Layout.of(f);
        CRC32C c = new CRC32C();
        c.update(f, 0, l.crcPos());
        ByteBuffer.wrap(f).putInt(l.crcPos(), (int) c.getValue());
        return f;
    }

    private static UnaryOperator<byte[]> putInt(java.util.function.ToIntFunction<byte[]> pos, int v) {
        return f -> {
            ByteBuffer.wrap(f).putInt(pos.applyAsInt(f), v);
            return f;
        };
    }

    static Stream<Arguments> corruptions() {
        return Stream.of(
                Arguments.of("empty file", (UnaryOperator<byte[]>) f -> new byte[0], "too short"),
                Arguments.of("too short for the fixed part", (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, 15),
                        "15 bytes: too short"),
                Arguments.of("bad magic", (UnaryOperator<byte[]>) f -> {
                    f[0] = 'X';
                    return f;
                }, "bad magic"),
                Arguments.of("another format version", putInt(f -> 8, 3), "format version 3"),
                Arguments.of("header length beyond the file", putInt(f -> 12, 0x7fff_ffff), "header length"),
                Arguments.of("negative header length", putInt(f -> 12, -4), "header length"),
                Arguments.of("truncated inside the header", (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, 40),
                        "truncated or corrupt"),
                Arguments.of("header shorter than its fields", putInt(f -> 12, 6), "header ends early"),
                Arguments.of("header CRC", (UnaryOperator<byte[]>) f -> {
                    f[23] ^= 0x20; // a letter of the driver name
                    return f;
                }, "header checksum mismatch"),
                Arguments.of("header CRC field itself", (UnaryOperator<byte[]>) f -> {
                    f[Layout.of(f).crcPos()] ^= 1;
                    return f;
                }, "header checksum mismatch"),
                Arguments.of("truncated data", (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, f.length - 1),
                        "is truncated"),
                Arguments.of("trailing bytes", (UnaryOperator<byte[]>) f -> Arrays.copyOf(f, f.length + 3),
                        "has trailing bytes"),
                Arguments.of("phase CRC (PRE_COPY data)", (UnaryOperator<byte[]>) f -> {
                    f[Layout.of(f).dataOffset() + 10] ^= 1;
                    return f;
                }, "PRE_COPY data fails its CRC32C"),
                Arguments.of("phase CRC (STOP_COPY data)", (UnaryOperator<byte[]>) f -> {
                    f[f.length - 1] ^= (byte) 0x80;
                    return f;
                }, "STOP_COPY data fails its CRC32C"),
                Arguments.of("huge declared phase length", (UnaryOperator<byte[]>) f -> {
                    ByteBuffer.wrap(f).putLong(Layout.of(f).phaseLengthPos(1), Long.MAX_VALUE);
                    return resealed(f);
                }, "declares " + Long.MAX_VALUE + " bytes"),
                Arguments.of("negative declared phase length", (UnaryOperator<byte[]>) f -> {
                    ByteBuffer.wrap(f).putLong(Layout.of(f).phaseLengthPos(0), -1L);
                    return resealed(f);
                }, "declares 18446744073709551615 bytes"),
                Arguments.of("lengths moved between phases", (UnaryOperator<byte[]>) f -> {
                    Layout l = Layout.of(f);
                    ByteBuffer b = ByteBuffer.wrap(f);
                    b.putLong(l.phaseLengthPos(0), b.getLong(l.phaseLengthPos(0)) + 1);
                    b.putLong(l.phaseLengthPos(1), b.getLong(l.phaseLengthPos(1)) - 1);
                    return resealed(f);
                }, "fails its CRC32C"),
                Arguments.of("too many phases", putInt(f -> Layout.of(f).countPos(), MigrationFile.MAX_PHASES + 1),
                        (MigrationFile.MAX_PHASES + 1) + " phases"),
                Arguments.of("a huge phase count", putInt(f -> Layout.of(f).countPos(), -1), "4294967295 phases"),
                Arguments.of("no phases", putInt(f -> Layout.of(f).countPos(), 0), "0 phases"),
                Arguments.of("unknown phase state", (UnaryOperator<byte[]>) f -> {
                    ByteBuffer.wrap(f).putInt(Layout.of(f).phasesPos(), 9);
                    return resealed(f);
                }, "phase state 9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void everyCorruptionIsRefusedWithAMessageNamingIt(String what, UnaryOperator<byte[]> corrupt, String expected)
            throws Exception {
        Path good = write("good.mig", random(3000, 8), random(4000, 9));
        Path bad = dir.resolve("bad.mig");
        Files.write(bad, corrupt.apply(Files.readAllBytes(good)));
        assertThatThrownBy(() -> MigrationFile.verify(bad))
                .as(what)
                .isInstanceOf(MigrationFile.InvalidFileException.class)
                .hasMessageContaining(expected)
                .hasMessageContaining(bad.toString());
    }

    @Test
    void aMissingFileIsAnIoErrorNotACorruption() {
        assertThatThrownBy(() -> MigrationFile.verify(dir.resolve("nope.mig")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith("good")).sorted().toList();
        }
    }
}

package dev.migscope.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.MigrationFile;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigState;
import dev.migscope.testsupport.FakeDevice;
import dev.migscope.view.Cancellation;
import dev.migscope.view.Progress;
import dev.migscope.view.StreamResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved stream holds device state, which can hold guest data: it is its owner's alone, and made exclusively. */
class StreamFileModeTest extends FakeHarness {

    @TempDir
    Path dir;

    @Test
    void aSavedStreamIsReadableByItsOwnerOnly() throws Exception {
        Path file = dir.resolve("state.mig");
        StreamResult r = join(open(device("mode", MigFeatures.ALL), quiet())
                .save(file, null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aSymlinkWhereTheTemporaryFileGoesIsNotFollowedAndNothingIsLeft() throws Exception {
        Path file = dir.resolve("state.mig");
        Path victim = dir.resolve("victim");
        Path link = Files.createSymbolicLink(MigrationFile.temporaryFor(file), victim);
        FakeDevice d = device("excl", MigFeatures.ALL);
        StreamResult r = join(open(d, quiet()).save(file, null, Progress.NONE, new Cancellation()));
        assertThat(r.ok()).isFalse();
        assertThat(victim).doesNotExist();
        assertThat(file).doesNotExist();
        assertThat(files()).containsExactly(link);
        assertThat(d.state()).isEqualTo(MigState.RUNNING);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}

package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.device.DeviceRegistry;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code migscope fsm table}: the kernel's table as TSV, exactly. */
class FsmTableCommandTest {

    /** fsm table needs no device: a registry with no backends proves it never asks for one. */
    private final CliHarness cli = new CliHarness(new DeviceRegistry(List.of(), List.of(), false));

    static Stream<MigFeatures> featureSets() {
        return MigFeatures.VALID_SETS.stream();
    }

    @ParameterizedTest
    @MethodSource("featureSets")
    void printsTheHeaderAndOneRowPerPairInAbiOrderAsTheFsmAnswers(MigFeatures features) {
        CliHarness.Run r = cli.run("fsm", "table", "--features", features.cliNames());

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).endsWith("\n").doesNotContain("\r");
        String[] lines = r.out().split("\n", -1);
        assertThat(lines).hasSize(1 + 64 + 1); // header, rows, the empty string after the last newline
        assertThat(lines[0]).isEqualTo("from\tto\tnext\tpath");
        int row = 1;
        for (int from = 0; from < 8; from++) {
            for (int to = 0; to < 8; to++) {
                MigState f = MigState.fromAbi(from).orElseThrow();
                MigState t = MigState.fromAbi(to).orElseThrow();
                MigPath p = MigrationFsm.path(features, f, t);
                String expected = f.name() + "\t" + t.name() + "\t"
                        + p.next().map(Enum::name).orElse("EINVAL") + "\t" + p.format();
                assertThat(lines[row++]).as("row %d for %s", row - 1, features).isEqualTo(expected);
            }
        }
    }

    /** Literal rows from the comment above vfio_mig_get_next_state() in drivers/vfio/vfio_main.c. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "stop-copy,p2p          | RUNNING\tSTOP\tRUNNING_P2P\tRUNNING>RUNNING_P2P>STOP",
        "stop-copy              | RUNNING\tSTOP\tSTOP\tRUNNING>STOP",
        "stop-copy              | RUNNING\tRUNNING_P2P\tEINVAL\tEINVAL",
        "stop-copy,p2p          | RESUMING\tRUNNING\tSTOP\tRESUMING>STOP>RUNNING_P2P>RUNNING",
        "stop-copy              | RESUMING\tRUNNING\tSTOP\tRESUMING>STOP>RUNNING",
        "stop-copy,p2p,pre-copy | PRE_COPY\tSTOP_COPY\tPRE_COPY_P2P\tPRE_COPY>PRE_COPY_P2P>STOP_COPY",
        "stop-copy,pre-copy     | PRE_COPY\tSTOP_COPY\tSTOP_COPY\tPRE_COPY>STOP_COPY",
        "stop-copy,p2p,pre-copy | STOP_COPY\tPRE_COPY\tEINVAL\tEINVAL",
        "stop-copy,p2p,pre-copy | STOP_COPY\tPRE_COPY_P2P\tEINVAL\tEINVAL",
        "stop-copy,p2p,pre-copy | STOP\tSTOP\tSTOP\tSTOP",
        "stop-copy,p2p,pre-copy | ERROR\tERROR\tEINVAL\tEINVAL",
        "stop-copy,p2p,pre-copy | RUNNING\tERROR\tEINVAL\tEINVAL",
        "stop-copy,p2p          | STOP_COPY\tRUNNING\tSTOP\tSTOP_COPY>STOP>RUNNING_P2P>RUNNING",
        "stop-copy,pre-copy     | RUNNING\tPRE_COPY_P2P\tEINVAL\tEINVAL",
    })
    void agreesWithTheKernelComment(String features, String row) {
        CliHarness.Run r = cli.run("fsm", "table", "--features", features.strip());

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out().split("\n")).contains(row.strip());
    }

    @Test
    void aFeatureSetWithoutStopCopyIsAUsageError() {
        CliHarness.Run r = cli.run("fsm", "table", "--features", "p2p");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("lacks stop-copy");
    }

    @Test
    void anUnknownFeatureIsAUsageErrorNamingIt() {
        CliHarness.Run r = cli.run("fsm", "table", "--features", "stop-copy,turbo");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("turbo").contains("stop-copy, p2p, pre-copy");
    }

    @Test
    void missingFeaturesIsAUsageError() {
        CliHarness.Run r = cli.run("fsm", "table");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--features");
    }

    @Test
    void fsmWithoutASubcommandShowsItsUsageAndFails() {
        CliHarness.Run r = cli.run("fsm");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("table");
        assertThat(r.out()).isEmpty();
    }
}

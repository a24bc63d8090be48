package dev.migscope.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Host-key checking stays on whatever MIGSCOPE_SSH_OPTS says; the timeouts are defaults the user can change. */
class SshSettingsTest {

    private static final SshTarget LAB = SshTarget.parse("lab");

    private static SshSettings with(String opts) {
        return SshSettings.fromEnvironment(Map.of("MIGSCOPE_SSH_OPTS", opts));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "-o StrictHostKeyChecking=no",
        "-oStrictHostKeyChecking=no",
        "-o stricthostkeychecking=NO",
        "-oStrictHostKeyChecking=off",
        "-o StrictHostKeyChecking=false",
        "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/dev/null",
        "-i key -oSTRICTHOSTKEYCHECKING=Accept-New",
    })
    void everySpellingOfTurningHostKeyCheckingOffIsRefused(String opts) {
        assertThatThrownBy(() -> with(opts)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refused").hasMessageContaining("known_hosts");
    }

    @Test
    void theOptionAsOneWordWithASpaceOrSpacedEqualsIsRefusedToo() {
        for (String o : List.of("StrictHostKeyChecking no", "StrictHostKeyChecking = no", " strictHostKeyChecking\tno")) {
            assertThatThrownBy(() -> new SshSettings("ssh", List.of("-o", o), List.of("migscope", "agent")))
                    .as(o).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void hostKeyCheckingIsForcedOnBeforeAnythingTheUserGives() {
        // -F names a config that may say StrictHostKeyChecking no: ssh reads it after the command line,
        // whose first value wins, so no file and no spelling can turn it off.
        List<String> argv = with("-F /tmp/other_config -o UserKnownHostsFile=/dev/null").argv(LAB);
        int strict = argv.indexOf("StrictHostKeyChecking=yes");
        assertThat(strict).isPositive();
        assertThat(argv.get(strict - 1)).isEqualTo("-o");
        assertThat(argv.indexOf("BatchMode=yes")).isLessThan(strict);
        assertThat(argv.indexOf("-F")).isGreaterThan(strict);
    }

    @Test
    void checkingOnAsTheUserSpellsItIsAccepted() {
        assertThat(with("-o StrictHostKeyChecking=yes -oStrictHostKeyChecking=ask").options()).hasSize(3);
    }

    @Test
    void timeoutDefaultsComeAfterTheUsersOptionsSoTheUsersWin() {
        List<String> argv = with("-o ConnectTimeout=60").argv(LAB);
        assertThat(argv).containsSubsequence("ConnectTimeout=60", "ConnectTimeout=10", "ServerAliveInterval=15",
                "ServerAliveCountMax=3", "--", "lab");
    }

    @Test
    void theWaitForTheFarSideIsSetBySecondsAndRefusedBelowOne() {
        assertThat(SshSettings.fromEnvironment(Map.of("MIGSCOPE_SSH_TIMEOUT", "90")).timeout())
                .isEqualTo(Duration.ofSeconds(90));
        assertThat(SshSettings.defaults().timeout()).isEqualTo(SshSettings.DEFAULT_TIMEOUT);
        assertThatThrownBy(() -> SshSettings.fromEnvironment(Map.of("MIGSCOPE_SSH_TIMEOUT", "soon")))
                .hasMessageContaining("whole number of seconds");
        assertThatThrownBy(() -> SshSettings.fromEnvironment(Map.of("MIGSCOPE_SSH_TIMEOUT", "0")))
                .hasMessageContaining("at least 1 s");
    }
}

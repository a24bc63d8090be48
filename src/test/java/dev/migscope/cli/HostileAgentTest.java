package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.protocol.Protocol;
import dev.migscope.remote.SshSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --host} against far sides that are broken or hostile, each a script standing in for ssh
 * ({@code MIGSCOPE_SSH}) that greets as an agent and then answers as it likes: each ends in one
 * line naming the host and what was wrong, with its exit code, never "internal error", never an
 * answer read as empty, never a hang (the timeout is a hang guard, not a speed claim).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileAgentTest {

    @TempDir
    Path dir;

    private static final String HELLO = "printf '%s\\n' '{\"type\":\"hello\",\"protocol\":" + Protocol.VERSION
            + ",\"migscope\":\"0.4.0\",\"kernel\":\"6.12.0\"}'\n";
    private static final String OPENED = "open) printf '{\"type\":\"reply\",\"id\":%s,\"session\":1,"
            + "\"info\":{\"id\":\"sim:mlx5-0\",\"kind\":\"SIM\"},\"features\":1,\"state\":\"RUNNING\"}\\n' \"$id\" ;;\n";

    /** A far side that greets, then answers each request by its op as {@code cases} (sh case arms) say, else with an empty reply. */
    private SshSettings farSide(String cases) throws Exception {
        return script(HELLO + """
                while IFS= read -r line; do
                  id=$(printf '%s\\n' "$line" | sed -n 's/.*"id":\\([0-9][0-9]*\\).*/\\1/p')
                  op=$(printf '%s\\n' "$line" | sed -n 's/.*"op":"\\([a-z_]*\\)".*/\\1/p')
                  [ -z "$op" ] && continue
                  case "$op" in
                """ + cases + """
                  *) printf '{"type":"reply","id":%s}\\n' "$id" ;;
                  esac
                done
                """);
    }

    private SshSettings script(String body) throws Exception {
        Path ssh = dir.resolve("fake-ssh");
        Files.writeString(ssh, "#!/bin/sh\n" + body);
        ssh.toFile().setExecutable(true);
        return new SshSettings(ssh.toString(), List.of(), List.of("migscope", "agent"), Duration.ofSeconds(2));
    }

    private static String reply(String op, String rest) {
        return op + ") printf '{\"type\":\"reply\",\"id\":%s," + rest + "}\\n' \"$id\" ;;\n";
    }

    private static CliHarness.Run run(SshSettings ssh, String... args) {
        String[] a = new String[args.length + 2];
        a[0] = "--host";
        a[1] = "lab";
        System.arraycopy(args, 0, a, 2, args.length);
        return CliHarness.run(sim -> {
            throw new AssertionError("--host must not list this host's devices");
        }, ssh, a);
    }

    /** The one line of a failure: it names the host, says {@code what}, and is no bug report. */
    private static void oneLine(CliHarness.Run r, int code, String what) {
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains("lab").contains(what).doesNotContain("internal error").doesNotContain("Exception");
        assertThat(r.code()).as(r.err()).isEqualTo(code);
    }

    @Test
    void aStateThatIsNotAStateIsAProtocolErrorNotABug() throws Exception {
        CliHarness.Run r = run(farSide(OPENED + reply("state", "\"state\":\"BOGUS\"")), "state", "sim:mlx5-0");
        oneLine(r, ExitCode.FAILED, "field state: \"BOGUS\" is not a MigState");
    }

    @Test
    void anOpenReplyWithAnUnknownStateIsAFailureNotAMissingDevice() throws Exception {
        CliHarness.Run r = run(farSide(reply("open", "\"session\":1,\"info\":{\"id\":\"sim:mlx5-0\",\"kind\":\"SIM\"},"
                + "\"state\":\"DANCING\"")), "state", "sim:mlx5-0");
        oneLine(r, ExitCode.FAILED, "field state");
    }

    @Test
    void aListedDeviceOfAnUnknownKindIsAProtocolError() throws Exception {
        CliHarness.Run r = run(farSide(reply("list", "\"devices\":[{\"id\":\"sim:a\",\"kind\":\"TOASTER\"}]")), "list");
        oneLine(r, ExitCode.FAILED, "field kind");
    }

    @Test
    void aListReplyWithoutDevicesIsNotAnEmptyHost() throws Exception {
        CliHarness.Run r = run(farSide(reply("list", "\"nothing\":true")), "list");
        oneLine(r, ExitCode.FAILED, "field devices is missing");
        assertThat(r.out()).doesNotContain("no devices");
    }

    @Test
    void devicesOfTheWrongTypeAreAProtocolError() throws Exception {
        CliHarness.Run r = run(farSide(reply("list", "\"devices\":\"none\"")), "list");
        oneLine(r, ExitCode.FAILED, "field devices");
    }

    @Test
    void aListedIdThatIsMoreThanANameIsRefused() throws Exception {
        CliHarness.Run r = run(farSide(reply("list", "\"devices\":[{\"id\":\"sim:a;reboot\",\"kind\":\"SIM\"}]")), "list");
        oneLine(r, ExitCode.FAILED, "field id");
    }

    @Test
    void anEndlessLineEndsTheConnectionAtTheLineBound() throws Exception {
        CliHarness.Run r = run(farSide("list) exec tr '\\0' x < /dev/zero ;;\n"), "list");
        oneLine(r, ExitCode.FAILED, "longer than " + Protocol.MAX_LINE + " bytes");
    }

    @Test
    void endlessOversizedChunksEndTheSaveAndLeaveNoFile() throws Exception {
        Path file = dir.resolve("out.mig");
        CliHarness.Run r = run(farSide(OPENED + """
                save) big=$(head -c 100000 /dev/zero | tr '\\0' A)
                  while :; do printf '{"type":"chunk","session":1,"offset":0,"data":"%s","crc32c":0}\\n' "$big"; done ;;
                """), "save", "sim:mlx5-0", file.toString());
        assertThat(r.err()).as(r.err()).contains("lab").contains("field data").doesNotContain("internal error");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("fake-ssh");
        }
    }

    @Test
    void silenceAfterTheGreetingEndsInATimeoutNotAHang() throws Exception {
        CliHarness.Run r = run(script(HELLO + "exec sleep 600\n"), "list");
        oneLine(r, ExitCode.FAILED, "sent nothing for 2 s while list waited");
    }

    @Test
    void noGreetingWithinTheTimeoutIsACannotConnect() throws Exception {
        CliHarness.Run r = run(script("exec sleep 600\n"), "list");
        oneLine(r, ExitCode.NO_DEVICE, "no greeting");
    }

    @Test
    void escapesOnSshsStderrArePrintedVisibleNotObeyed() throws Exception {
        CliHarness.Run r = run(script("printf 'Warning: \\033]0;pwned\\007\\033[2Jgone\\r\\n' >&2\nexit 255\n"), "list");
        assertThat(r.err()).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\r")
                .contains("Warning: \\u001b]0;pwned\\u0007\\u001b[2Jgone\\u000d");
        assertThat(r.code()).isEqualTo(ExitCode.NO_DEVICE);
    }

    @Test
    void escapesInTheFarSidesErrorMessageArePrintedVisible() throws Exception {
        CliHarness.Run r = run(farSide(reply("list", "\"error\":{\"errno\":5,\"call\":\"list\","
                + "\"message\":\"\\\\u001b[2Jwiped\"}")), "list");
        // the far device's own error, shown as a local one would be (naming its call, not the host)
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("\\u001b[2Jwiped").doesNotContain("\u001b");
        assertThat(r.code()).isEqualTo(ExitCode.FAILED);
    }
}

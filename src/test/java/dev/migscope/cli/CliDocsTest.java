package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bash completion CliDocs writes: generated from the command model, and run in bash as bash runs
 * a completion function, with a stand-in {@code migscope} that prints ids as {@code list --ids} does.
 */
class CliDocsTest {

    private static final String SCRIPT = CliDocs.completion();

    @TempDir
    Path dir;

    @Test
    void theScriptNamesEveryCommandOfTheModel() {
        for (List<String> words : CliHelpTest.commands()) {
            assertThat(SCRIPT).as("%s", words).contains("function _picocli_migscope_" + String.join("_", words) + "()");
        }
    }

    @Test
    void theDevHookListsExactlyTheCommandsWithTheDeviceParameter() {
        assertThat(SCRIPT).contains("function _migscope_complete()", "complete -F _migscope_complete -o default migscope",
                "list --ids");
        for (String command : new String[] {"show", "state", "set", "reset", "save", "resume", "watch", "conform"}) {
            assertThat(SCRIPT).contains("    " + command + ") echo \" ");
        }
        assertThat(SCRIPT).doesNotContain("    list) echo", "    attach) echo", "    fsm) echo");
        assertThat(SCRIPT).contains("    save) echo \" --then --precopy-max \" ;;");
    }

    @Test
    void commandsCompleteByTheirFirstLetters() throws Exception {
        assertThat(complete("migscope s")).containsExactlyInAnyOrder("show", "state", "set", "save", "screenshot", "stream");
        assertThat(complete("migscope fsm t")).containsExactly("table");
    }

    @Test
    void aDevCompletesToTheIdsListPrints() throws Exception {
        assertThat(complete("migscope show ")).containsExactly("sim:mlx5-0", "sim:hisi-0", "0000:3b:00.2",
                "5a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b");
        assertThat(complete("migscope reset 5a")).containsExactly("5a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b");
    }

    /** bash replaces only the part after the word's last ':', so the candidates must start there. */
    @Test
    void anIdWithColonsCompletesFromAfterItsLastColon() throws Exception {
        assertThat(complete("migscope state sim:")).containsExactly("mlx5-0", "hisi-0");
        assertThat(complete("migscope state sim:h")).containsExactly("hisi-0");
        assertThat(complete("migscope set 0000:3b:0")).containsExactly("00.2");
    }

    @Test
    void theIdsComeFromTheSameSimAndHostAsTheLine() throws Exception {
        complete("migscope --host lab7 watch --sim --interval 5 ");

        assertThat(Files.readString(dir.resolve("args")).strip()).isEqualTo("--host lab7 --sim list --ids");
    }

    @Test
    void onlyTheDevPositionGetsIds() throws Exception {
        assertThat(complete("migscope set sim:mlx5-0 STOP_")).containsExactly("STOP_COPY");
        assertThat(complete("migscope save --then RUN")).containsExactlyInAnyOrder("RUNNING", "RUNNING_P2P");
        assertThat(complete("migscope list ")).isEmpty();
        assertThat(complete("migscope show --j")).containsExactly("--json");
    }

    /** COMPREPLY for LINE with the cursor at its end, bash splitting COMP_WORDS at ':' as it does by default. */
    private List<String> complete(String line) throws IOException, InterruptedException {
        Path script = dir.resolve("migscope-completion");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        Path stub = dir.resolve("bin/migscope");
        Files.createDirectories(stub.getParent());
        Files.writeString(stub, "#!/bin/sh\necho \"$@\" > '" + dir.resolve("args") + "'\n"
                + "printf '%s\\n' sim:mlx5-0 sim:hisi-0 0000:3b:00.2 5a1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        String driver = String.join("\n",
                "compopt() { :; }",
                "source \"$1\"",
                "COMP_LINE=$2; COMP_POINT=${#COMP_LINE}",
                "read -r -a COMP_WORDS <<<\"${COMP_LINE//:/ : }\"",
                "[[ $COMP_LINE == *[[:blank:]] || $COMP_LINE == *: ]] && COMP_WORDS+=('')",
                "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
                "_migscope_complete",
                "printf '%s\\n' \"${COMPREPLY[@]}\"");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", driver, "driver", script.toString(), line)
                .directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", stub.getParent() + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().filter(l -> !l.isEmpty()).toList();
    }
}

package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** -h/--help, -V/--version and `help COMMAND` on every command of the model, and what a bad command line says. */
class CliHelpTest {

    private final CliHarness cli = CliHarness.simulated();

    /** Every command's words after {@code migscope}, from the command model itself: a new command is covered. */
    static List<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        walk(MigscopeCli.commandLine(DeviceRegistry::load, false), new ArrayList<>(), all);
        return all;
    }

    private static void walk(CommandLine cl, List<String> words, List<List<String>> all) {
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            List<String> w = new ArrayList<>(words);
            w.add(sub.getKey());
            all.add(w);
            walk(sub.getValue(), w, all);
        }
    }

    private static String[] with(List<String> words, String... more) {
        List<String> args = new ArrayList<>(words);
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void theModelHasTheCommandsUsersType() {
        assertThat(commands()).contains(List.of("list"), List.of("set"), List.of("fsm", "table"), List.of("help"));
    }

    @Test
    void theArgumentsBuildTheCommandTheyNameAfterTheRootsOptionsAndAllOtherwise() {
        assertThat(MigscopeCli.commandsFor("stream", "f.mig")).containsExactly(QemuStreamCommand.class);
        assertThat(MigscopeCli.commandsFor("--sim", "--host", "lab", "--host=lab2", "set", "sim:mlx5-0", "STOP"))
                .containsExactly(SetCommand.class);
        assertThat(MigscopeCli.commandsFor("--help")).isEqualTo(MigscopeCli.COMMANDS);
        assertThat(MigscopeCli.commandsFor("help", "set")).isEqualTo(MigscopeCli.COMMANDS);
        assertThat(MigscopeCli.commandsFor("--host")).isEqualTo(MigscopeCli.COMMANDS);
        assertThat(MigscopeCli.commandsFor("lsit")).isEqualTo(MigscopeCli.COMMANDS);
        assertThat(MigscopeCli.commandsFor()).isEqualTo(MigscopeCli.COMMANDS);
    }

    /** The model of one command alone says what the whole model says of it. */
    @Test
    void aCommandBuiltAloneHasTheUsageItHasInTheWholeModel() {
        for (List<String> words : commands()) {
            if (words.get(0).equals("help")) {
                continue; // needs the whole model: commandsFor never builds it alone
            }
            String[] args = with(words, "--help");
            CliHarness.Run alone = cli.run(args); // as MigscopeCli.run: the one command named
            java.io.StringWriter whole = new java.io.StringWriter();
            CommandLine all = MigscopeCli.commandLine(DeviceRegistry::load, false);
            all.setOut(new java.io.PrintWriter(whole, true));

            assertThat(alone.code()).isEqualTo(all.execute(args)).isEqualTo(ExitCode.OK);
            assertThat(alone.out()).as("%s", words).isEqualTo(whole.toString());
        }
    }

    @Test
    void everyCommandPrintsItsUsageForHelpAndExitsZero() {
        for (List<String> words : commands()) {
            for (String flag : new String[] {"--help", "-h"}) {
                CliHarness.Run r = cli.run(with(words, flag));

                assertThat(r.code()).as("%s %s", words, flag).isEqualTo(ExitCode.OK);
                assertThat(r.err()).as("%s %s", words, flag).isEmpty();
                assertThat(r.out()).as("%s %s", words, flag)
                        .contains("Usage: migscope " + String.join(" ", words) + " [-h").contains("-h, --help");
            }
        }
    }

    /** picocli's help command has -h only. */
    @Test
    void everyCommandButHelpPrintsTheVersionAndExitsZero() {
        String version = cli.run("--version").out();
        assertThat(version).startsWith("migscope ");
        for (List<String> words : commands()) {
            if (words.equals(List.of("help"))) {
                continue;
            }
            CliHarness.Run r = cli.run(with(words, "-V"));

            assertThat(r.code()).as("%s -V", words).isEqualTo(ExitCode.OK);
            assertThat(r.out()).as("%s -V", words).isEqualTo(version);
        }
    }

    @Test
    void helpCommandPrintsTheSameUsageAsTheCommandsHelpOption() {
        for (List<String> words : commands()) {
            if (words.size() == 1 && !words.get(0).equals("help")) {
                CliHarness.Run help = cli.run("help", words.get(0));

                assertThat(help.code()).as("help %s", words).isEqualTo(ExitCode.OK);
                assertThat(help.out()).as("help %s", words).isEqualTo(cli.run(with(words, "--help")).out());
            }
        }
        assertThat(cli.run("help", "set").out()).startsWith("Usage: migscope set").contains("STATE...");
    }

    @Test
    void helpAloneListsTheCommands() {
        CliHarness.Run r = cli.run("help");

        assertThat(r.code()).isEqualTo(ExitCode.OK);
        assertThat(r.out()).startsWith("Usage: migscope").contains("  show ", "  help ");
    }

    @Test
    void helpOfAnUnknownCommandIsAUsageError() {
        CliHarness.Run r = cli.run("help", "migrate");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("migrate");
    }

    @Test
    void aCommandsUsageListsTheDeviceParameterAndTheExitCodes() {
        CliHarness.Run r = cli.run("save", "--help");

        assertThat(r.out()).contains("DEV FILE", "Device id, as `migscope list` shows it.", "--then",
                "Exit codes:", "stream file refused");
    }

    /**
     * A command with a required DEV says it misses DEV rather than naming the option: both are one line.
     * picocli's help command takes what follows it as what to show help about, and shows the root's.
     */
    @Test
    void aWrongOptionIsStillOneLineThatPointsAtAHelpThatWorks() {
        for (List<String> words : commands()) {
            if (words.equals(List.of("help"))) {
                continue;
            }
            CliHarness.Run r = cli.run(with(words, "--no-such-option"));
            String see = "migscope " + String.join(" ", words) + " --help";

            assertThat(r.code()).as("%s", words).isEqualTo(ExitCode.USAGE);
            assertThat(r.errLines()).as("%s", words).hasSize(1);
            assertThat(r.err()).as("%s", words).containsAnyOf("--no-such-option", "Missing required")
                    .contains("(see: " + see + ")");
            assertThat(cli.run(see.substring("migscope ".length()).split(" ")).code()).isEqualTo(ExitCode.OK);
        }
    }

    @Test
    void aMissingDeviceIsAUsageErrorNamingDev() {
        for (String command : new String[] {"show", "state", "set", "reset", "save", "resume", "watch", "conform"}) {
            CliHarness.Run r = cli.run(command);

            assertThat(r.code()).as(command).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).as(command).contains("DEV", "(see: migscope " + command + " --help)");
        }
    }

    @Test
    void listIdsPrintsTheIdsThatListShows() {
        CliHarness.Run ids = cli.run("list", "--ids");

        assertThat(ids.code()).isEqualTo(ExitCode.OK);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> listed = (List<Map<String, Object>>) PlainJson.parse(cli.run("list", "--json").out());
        assertThat(ids.out().split("\n")).containsExactlyElementsOf(listed.stream().map(d -> (String) d.get("id")).toList());
    }

    @Test
    void listIdsAndJsonTogetherIsAUsageError() {
        CliHarness.Run r = cli.run("list", "--ids", "--json");

        assertThat(r.code()).isEqualTo(ExitCode.USAGE);
        assertThat(r.errLines()).hasSize(1);
    }
}

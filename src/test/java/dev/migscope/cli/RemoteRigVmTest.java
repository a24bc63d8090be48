package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.DeviceRegistry;
import dev.migscope.device.DeviceSession;
import dev.migscope.fsm.MigState;
import dev.migscope.remote.SshSettings;
import dev.migscope.device.MigrationFile;
import dev.migscope.testsupport.RigDevices;
import dev.migscope.testsupport.Sshd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --host root@127.0.0.1} in the rig's guest (src/test/vm): a real sshd on the guest's
 * loopback, the far side's {@code migscope agent} being the packaged target/migscope.jar, driving
 * the real mtty devices. Each command prints what it prints locally, and the kernel's own record
 * (debugfs) shows what it did.
 */
@Tag("vm")
class RemoteRigVmTest {

    @TempDir
    static Path dir;

    private static Sshd sshd;
    private static SshSettings ssh;
    private static List<String> loginNoise;
    private final DeviceRegistry registry = DeviceRegistry.load(false);
    private String a;
    private String b;

    @BeforeAll
    static void startSshd() throws Exception {
        Path jar = Path.of("target/migscope.jar").toAbsolutePath();
        assertThat(jar).as("the far side's migscope: build it with ./mvnw -B package").isRegularFile();
        sshd = Sshd.start(dir);
        // The same JIT and GC settings as the guest's own JVMs (guest-job.sh): sshd does not pass JAVA_TOOL_OPTIONS on.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ssh = new SshSettings("ssh", sshd.clientOptions(),
                List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString(), "agent"));
        List<String> sshTrue = new ArrayList<>(List.of("ssh", "-T", "-o", "BatchMode=yes", "-p",
                Integer.toString(sshd.port())));
        sshTrue.addAll(sshd.clientOptions());
        sshTrue.addAll(List.of("--", System.getProperty("user.name") + "@127.0.0.1", "true"));
        Process p = new ProcessBuilder(sshTrue).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        loginNoise = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.waitFor()).as("ssh 127.0.0.1 true: %s", loginNoise).isZero();
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    /** mtty keeps its migration state across close and open: every test starts from RUNNING. */
    @BeforeEach
    void freshDevices() throws Exception {
        List<String> ids = RigDevices.mtty();
        a = ids.get(0);
        b = ids.get(1);
        resetBoth();
    }

    private void resetBoth() throws Exception {
        for (String id : List.of(a, b)) {
            try (DeviceSession s = registry.open(id)) {
                s.reset();
                assertThat(s.getState()).isEqualTo(MigState.RUNNING);
            }
        }
    }

    private static CliHarness.Run local(String... args) {
        return CliHarness.run(DeviceRegistry::load, args);
    }

    private static CliHarness.Run remote(String... args) {
        List<String> all = new ArrayList<>(List.of("--host", sshd.host()));
        all.addAll(List.of(args));
        return CliHarness.run(sim -> {
            throw new AssertionError("--host must not list this host's devices");
        }, ssh, all.toArray(String[]::new));
    }

    /** The kernel's word on the state, read without opening the device. */
    private static String debugfsState(String uuid) throws Exception {
        return Files.readString(Path.of("/sys/kernel/debug/vfio", uuid, "migration", "state")).strip();
    }

    private static void assertSame(CliHarness.Run there, CliHarness.Run here, String what) {
        assertThat(there.code()).as(what).isEqualTo(here.code()).isEqualTo(ExitCode.OK);
        assertThat(RemoteCommandsTest.normalized(there.out())).as(what)
                .isEqualTo(RemoteCommandsTest.normalized(here.out()));
        assertThat(withoutLoginNoise(there.err())).as(what).isEqualTo(here.err());
    }

    /**
     * What the far login shell writes to stderr for any ssh command, which ssh passes on as its
     * own: in the guest, root's ~/.bashrc (the host's, read-only there) complains that it cannot
     * write. Measured once with {@code ssh HOST true}; every --host command's stderr carries it too.
     */
    private static String withoutLoginNoise(String err) {
        return err.lines().filter(l -> !loginNoise.contains(l)).map(l -> l + "\n").collect(Collectors.joining());
    }

    @Test
    void listAndShowPrintWhatTheyPrintInTheGuest() {
        for (String[] c : new String[][] {{"list"}, {"list", "--json"}, {"show", a}, {"show", a, "--json"}}) {
            assertSame(remote(c), local(c), String.join(" ", c));
        }
        assertThat(remote("list").out()).contains(a, b);
        assertThat(remote("show", b).out()).contains(b);
    }

    @Test
    void setOverTheHostMovesTheRealDevice() throws Exception {
        CliHarness.Run there = remote("set", a, "STOP");
        assertThat(debugfsState(a)).isEqualTo("STOP");
        resetBoth();
        CliHarness.Run here = local("set", a, "STOP");
        assertSame(there, here, "set STOP");
        assertThat(there.out()).contains("STOP");
    }

    @Test
    void saveOneDeviceOverTheHostAndResumeItIntoTheOther() throws Exception {
        Path there = dir.resolve("there.mig");
        Path here = dir.resolve("here.mig");
        CliHarness.Run saveThere = remote("save", a, there.toString());
        resetBoth();
        CliHarness.Run saveHere = local("save", a, here.toString());
        assertThat(saveThere.code()).isEqualTo(saveHere.code()).isEqualTo(ExitCode.OK);
        assertThat(RemoteCommandsTest.streamed(saveThere.out(), there))
                .isEqualTo(RemoteCommandsTest.streamed(saveHere.out(), here));
        RemoteCommandsTest.assertSameStream(there, here);
        assertThat(MigrationFile.verify(there).source().deviceId()).isEqualTo(a);

        resetBoth();
        CliHarness.Run resumeThere = remote("resume", b, there.toString());
        assertThat(resumeThere.code()).as(resumeThere.err()).isEqualTo(ExitCode.OK);
        assertThat(debugfsState(b)).isEqualTo("RUNNING");
        resetBoth();
        CliHarness.Run resumeHere = local("resume", b, here.toString());
        assertThat(RemoteCommandsTest.streamed(resumeThere.out(), there))
                .isEqualTo(RemoteCommandsTest.streamed(resumeHere.out(), here)).contains("RESUMING");
        assertThat(withoutLoginNoise(resumeThere.err())).isEqualTo(resumeHere.err());
    }

    @Test
    void conformOverTheHostPassesWhatItPassesInTheGuest() throws Exception {
        CliHarness.Run there = remote("conform", a, "--peer", b, "--repeats", "1");
        resetBoth();
        CliHarness.Run here = local("conform", a, "--peer", b, "--repeats", "1");
        assertThat(there.code()).as(there.out() + there.err()).isEqualTo(here.code()).isEqualTo(ExitCode.OK);
        assertThat(RemoteCommandsTest.verdicts(there.out())).isNotEmpty()
                .isEqualTo(RemoteCommandsTest.verdicts(here.out()));
        assertThat(debugfsState(a)).isEqualTo("RUNNING");
        assertThat(debugfsState(b)).isEqualTo("RUNNING");
    }
}

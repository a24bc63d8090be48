package dev.migscope.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.migscope.cli.UsesTheWindow;
import java.util.Optional;

/**
 * The rules of the house (DESIGN.md) as ArchUnit rules over the packages under {@code root}:
 * {@code dev.migscope} for the code, a fixture package for the test that proves each rule fails.
 * The layers are an allow-list: a layer uses only the layers named for it, and a class in no
 * layer (a new package nobody placed) fails too.
 */
final class HouseRules {

    private HouseRules() {
    }

    /**
     * Who may use whom. Arrows point down only: the entry point starts the CLI or the window; the
     * front ends (ui, cli, agent) see devices through views and sessions; session, qemu, remote
     * and conform sit on the SPI (device); the backends (linux, sim) implement it; fsm, telemetry
     * and json use nothing of the project. Nothing above device reaches linux or sim: backends
     * come from device's registry. The far side (agent) and the near side of {@code --host}
     * (remote) meet only in protocol, below both.
     *
     * @param optionalLayers true where a layer may have no class (the fixture has only a few)
     */
    static LayeredArchitecture layers(String root, boolean optionalLayers) {
        return layeredArchitecture()
                .consideringOnlyDependenciesInAnyPackage(root + "..")
                .withOptionalLayers(optionalLayers)
                .layer("entry point").definedBy(root)
                .layer("cli").definedBy(root + ".cli..")
                .layer("ui").definedBy(root + ".ui..")
                .layer("agent").definedBy(root + ".agent..")
                .layer("host").definedBy(root + ".host..")
                .layer("conform").definedBy(root + ".conform..")
                .layer("session").definedBy(root + ".session..")
                .optionalLayer("qemu").definedBy(root + ".qemu..")
                .optionalLayer("libvirt").definedBy(root + ".libvirt..")
                .optionalLayer("stream").definedBy(root + ".stream..")
                .optionalLayer("attachtap").definedBy(root + ".attachtap..")
                .layer("remote").definedBy(root + ".remote..")
                .layer("protocol").definedBy(root + ".protocol..")
                .layer("view").definedBy(root + ".view..")
                .layer("device").definedBy(root + ".device..")
                .layer("linux").definedBy(root + ".linux..")
                .layer("sim").definedBy(root + ".sim..")
                .layer("fsm").definedBy(root + ".fsm..")
                .layer("telemetry").definedBy(root + ".telemetry..")
                .layer("json").definedBy(root + ".json..")

                .whereLayer("entry point").mayOnlyAccessLayers("cli", "ui")
                // A command runs against a host; the choice of host (this one, or --host) is the CLI's. It
                // reads this migscope's version, which the agent's hello carries, from protocol.
                .whereLayer("cli").mayOnlyAccessLayers("agent", "host", "conform", "session", "qemu", "libvirt", "remote",
                        "protocol", "stream", "attachtap", "view", "device", "fsm", "telemetry", "json")
                // The window attaches to QEMUs (File -> Attach to QEMU...) and connects to hosts (File ->
                // Connect to host...) as it opens sessions; graph, charts and log still read only the view.
                .whereLayer("ui").mayOnlyAccessLayers("host", "conform", "session", "qemu", "libvirt", "remote", "protocol",
                        "stream", "attachtap", "view",
                        "device", "fsm", "telemetry")
                // The agent, a front end on the far side, runs what the CLI runs there (attach too: QEMUs
                // there) and speaks the protocol; nothing of the near side.
                .whereLayer("agent").mayOnlyAccessLayers("conform", "session", "qemu", "protocol", "view", "device",
                        "fsm", "telemetry", "json")
                // A host lists and opens its devices, runs the conformance checks and attaches to QEMUs
                // there: here through the session and qemu, over ssh through remote (SshHost maps a
                // session's options to the far side's and reads an attach's values from what crossed).
                // A host's libvirt domains are followed through libvirt (qemu+ssh:// is libvirt's own transport).
                .whereLayer("host").mayOnlyAccessLayers("conform", "session", "qemu", "libvirt", "remote", "view",
                        "device")
                .whereLayer("conform").mayOnlyAccessLayers("device", "fsm", "json")
                .whereLayer("session").mayOnlyAccessLayers("view", "device", "fsm", "telemetry")
                // QMP, and an attach's values over --host (AttachCodec), are JSON.
                .whereLayer("qemu").mayOnlyAccessLayers("view", "device", "fsm", "telemetry", "json")
                // libvirt is a second source of QEMU's events and figures (a QemuLink), bound through JNA.
                .whereLayer("libvirt").mayOnlyAccessLayers("qemu", "device", "json")
                // QEMU's migration stream: read from a file, decoded from a tap; extract writes device's
                // MigrationFile; bytes shown through telemetry's formats.
                .whereLayer("stream").mayOnlyAccessLayers("device", "fsm", "telemetry", "json")
                // A tap started with an attach: stream's tap decodes, qemu's attached devices are fed its bytes
                // (qemu itself never sees the stream).
                .whereLayer("attachtap").mayOnlyAccessLayers("qemu", "stream", "view", "device", "telemetry", "json")
                // The near side of --host: views of the far side's devices, over the protocol.
                .whereLayer("remote").mayOnlyAccessLayers("protocol", "view", "device", "fsm", "telemetry", "json")
                // The agent's JSON lines carry views' values; stream files cross as frames of device's
                // MigrationFile.
                .whereLayer("protocol").mayOnlyAccessLayers("view", "device", "fsm", "telemetry", "json")
                .whereLayer("view").mayOnlyAccessLayers("device", "fsm", "telemetry")
                .whereLayer("linux").mayOnlyAccessLayers("device", "fsm")
                .whereLayer("sim").mayOnlyAccessLayers("device", "fsm")
                .whereLayer("device").mayOnlyAccessLayers("fsm")
                .whereLayer("fsm").mayNotAccessAnyLayer()
                .whereLayer("telemetry").mayNotAccessAnyLayer()
                .whereLayer("json").mayNotAccessAnyLayer()
                // The CLI's window commands open or render the window.
                .ignoreDependency(partOfAWindowCommand(), JavaClass.Predicates.resideInAPackage(root + ".ui.."))
                .ensureAllClassesAreContainedInArchitecture();
    }

    /** No cycle between the top-level packages ({@code fsm}, {@code device}, ...). */
    static ArchRule packagesFreeOfCycles(String root) {
        return slices().matching(root + ".(*)..").namingSlices("$1").should().beFreeOfCycles();
    }

    /**
     * No cycle between the window's parts: {@code ui} itself and each package under it
     * ({@code ui.charts}, {@code ui.graph}, ...). {@code ui} is a part too, so a package under it
     * that uses a class of {@code ui} while {@code ui} uses the package is a cycle.
     */
    static ArchRule windowPartsFreeOfCycles(String root) {
        String ui = root + ".ui";
        return slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass c) {
                String p = c.getPackageName();
                if (p.equals(ui)) {
                    return SliceIdentifier.of("ui");
                }
                if (!p.startsWith(ui + ".")) {
                    return SliceIdentifier.ignore();
                }
                return SliceIdentifier.of("ui." + p.substring(ui.length() + 1).split("\\.")[0]);
            }

            @Override
            public String getDescription() {
                return "the window's parts (" + ui + " and each package under it)";
            }
        }).should().beFreeOfCycles();
    }

    /** JavaFX and AWT only in the window, and in the CLI's commands that open or render it. */
    static ArchRule toolkitsOnlyInTheWindow(String root) {
        return noClasses().that().resideInAPackage(root + "..")
                .and().resideOutsideOfPackage(root + ".ui..")
                .and(DescribedPredicate.not(partOfAWindowCommand()))
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "java.awt..");
    }

    /** A class marked {@link UsesTheWindow}, or one nested in it (its anonymous and inner classes). */
    private static DescribedPredicate<JavaClass> partOfAWindowCommand() {
        return DescribedPredicate.describe("part of a class annotated @" + UsesTheWindow.class.getSimpleName(),
                c -> {
                    for (Optional<JavaClass> k = Optional.of(c); k.isPresent(); k = k.get().getEnclosingClass()) {
                        if (k.get().isAnnotatedWith(UsesTheWindow.class)) {
                            return true;
                        }
                    }
                    return false;
                });
    }
}

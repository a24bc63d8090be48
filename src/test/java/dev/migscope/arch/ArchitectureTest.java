package dev.migscope.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps the arrows of docs/ARCHITECTURE.md pointing down (DESIGN.md's rules of the house). */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.migscope");

    @Test
    void fsmImportsNothingOfTheProject() {
        noClasses().that().resideInAPackage("dev.migscope.fsm..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.migscope.device..", "dev.migscope.linux..",
                        "dev.migscope.sim..", "dev.migscope.session..", "dev.migscope.telemetry..",
                        "dev.migscope.ui..", "dev.migscope.cli..")
                .check(MAIN);
    }

    @Test
    void deviceKnowsNoImplementationAndNoFrontEnd() {
        noClasses().that().resideInAPackage("dev.migscope.device..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.migscope.linux..", "dev.migscope.sim..",
                        "dev.migscope.session..", "dev.migscope.ui..", "dev.migscope.cli..")
                .check(MAIN);
    }

    @Test
    void uiAndCliReachBackendsOnlyThroughTheRegistry() {
        noClasses().that().resideInAnyPackage("dev.migscope.ui..", "dev.migscope.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.migscope.linux..", "dev.migscope.sim..")
                .check(MAIN);
    }

    @Test
    void theCliReachesTheUiOnlyToOpenOrRenderTheWindowAndTheUiKnowsNoCli() {
        noClasses().that().resideInAPackage("dev.migscope.ui..")
                .should().dependOnClassesThat().resideInAPackage("dev.migscope.cli..")
                .check(MAIN);
        noClasses().that().resideInAPackage("dev.migscope.cli..")
                .and().doNotHaveSimpleName("ScreenshotCommand").and().doNotHaveSimpleName("WindowCommand")
                .should().dependOnClassesThat().resideInAPackage("dev.migscope.ui..")
                .check(MAIN);
    }

    @Test
    void backendsDoNotReachUp() {
        noClasses().that().resideInAnyPackage("dev.migscope.linux..", "dev.migscope.sim..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.migscope.session..", "dev.migscope.ui..",
                        "dev.migscope.cli..")
                .check(MAIN);
        noClasses().that().resideInAPackage("dev.migscope.linux..")
                .should().dependOnClassesThat().resideInAPackage("dev.migscope.sim..").check(MAIN);
        noClasses().that().resideInAPackage("dev.migscope.sim..")
                .should().dependOnClassesThat().resideInAPackage("dev.migscope.linux..").check(MAIN);
    }

    @Test
    void qemuObservesOverQmpAndKnowsNoBackendSessionNorFrontEnd() {
        noClasses().that().resideInAPackage("dev.migscope.qemu..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.migscope.linux..", "dev.migscope.sim..",
                        "dev.migscope.session..", "dev.migscope.conform..", "dev.migscope.ui..", "dev.migscope.cli..",
                        "javafx..")
                .check(MAIN);
    }

    @Test
    void sessionAndTelemetryKnowNoFrontEnd() {
        noClasses().that().resideInAnyPackage("dev.migscope.session..", "dev.migscope.telemetry..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.migscope.ui..", "dev.migscope.cli..",
                        "dev.migscope.linux..", "dev.migscope.sim..", "javafx..")
                .check(MAIN);
    }

    @Test
    void conformDrivesTheSpiAndNothingBelowKnowsIt() {
        noClasses().that().resideInAPackage("dev.migscope.conform..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.migscope.linux..", "dev.migscope.sim..",
                        "dev.migscope.ui..", "dev.migscope.cli..", "javafx..")
                .check(MAIN);
        noClasses().that().resideInAnyPackage("dev.migscope.fsm..", "dev.migscope.device..", "dev.migscope.linux..",
                        "dev.migscope.sim..", "dev.migscope.session..", "dev.migscope.telemetry..")
                .should().dependOnClassesThat().resideInAPackage("dev.migscope.conform..")
                .check(MAIN);
    }
}

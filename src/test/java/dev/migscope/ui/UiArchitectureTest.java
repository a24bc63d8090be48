package dev.migscope.ui;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The window's own arrows: parts know the device view, not the session; nothing points back at the window. */
class UiArchitectureTest {

    private static final JavaClasses UI = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.migscope.ui");

    @Test
    void theGraphTheChartsAndTheLogShowADeviceViewOfAnyKind() {
        noClasses().that().resideInAnyPackage("dev.migscope.ui.graph..", "dev.migscope.ui.charts..",
                        "dev.migscope.ui.log..", "dev.migscope.ui.common..")
                .should().dependOnClassesThat().resideInAPackage("dev.migscope.session..")
                .check(UI);
    }

    @Test
    void noPartOfTheWindowDependsOnTheWindowItself() {
        noClasses().that().resideInAnyPackage("dev.migscope.ui.*..")
                .should().dependOnClassesThat().resideInAPackage("dev.migscope.ui")
                .check(UI);
    }
}

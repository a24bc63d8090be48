package dev.migscope.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Keeps migscope's packages to DESIGN.md's rules of the house ({@link HouseRules}). */
class ArchitectureTest {

    private static final String ROOT = "dev.migscope";

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void eachLayerUsesOnlyTheLayersBelowItThatItIsAllowed() {
        HouseRules.layers(ROOT, false).check(MAIN);
    }

    @Test
    void theTopLevelPackagesHaveNoCycle() {
        HouseRules.packagesFreeOfCycles(ROOT).check(MAIN);
    }

    @Test
    void theWindowsPartsHaveNoCycle() {
        HouseRules.windowPartsFreeOfCycles(ROOT).check(MAIN);
    }

    @Test
    void javafxAndAwtStayInTheWindow() {
        HouseRules.toolkitsOnlyInTheWindow(ROOT).check(MAIN);
    }
}

package dev.migscope.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each rule of the house reports what breaks it: the fixture package breaks each on purpose. */
class HouseRulesFailTest {

    private static final String ROOT = "dev.migscope.arch.fixture";
    private static final String F = ROOT + ".";

    private static final JavaClasses FIXTURE = new ClassFileImporter().importPackages(ROOT);

    @Test
    void anUpwardImportAndAPlainCommandReachingTheWindowBreakTheLayers() {
        List<String> violations = violations(HouseRules.layers(ROOT, true).evaluate(FIXTURE));

        assertThat(violations).anySatisfy(v -> assertThat(v).contains(F + "fsm.Table", F + "device.Session"));
        assertThat(violations).anySatisfy(v -> assertThat(v).contains(F + "cli.PlainCommand", F + "ui.graph.Graph"));
        assertThat(violations).noneSatisfy(v -> assertThat(v).contains("<" + F + "device.Session."));
        assertThat(violations).noneSatisfy(v -> assertThat(v).contains(F + "cli.WindowLikeCommand"));
    }

    @Test
    void theAgentReachingTheNearSideBreaksTheLayersAndBothSidesMayUseTheProtocol() {
        List<String> violations = violations(HouseRules.layers(ROOT, true).evaluate(FIXTURE));

        assertThat(violations).anySatisfy(v -> assertThat(v).contains(F + "agent.Agent.greetLike",
                F + "remote.Connection"));
        assertThat(violations).noneSatisfy(v -> assertThat(v).startsWith("Method <" + F + "agent.Agent.reply()"));
        assertThat(violations).noneSatisfy(v -> assertThat(v).startsWith("Method <" + F + "remote.Connection."));
    }

    @Test
    void aClassInANewPackageThatNoLayerNamesBreaksTheLayers() {
        List<String> violations = violations(HouseRules.layers(ROOT, true).evaluate(FIXTURE));

        assertThat(violations).contains("Class <" + F + "gadget.Gadget> is not contained in architecture");
    }

    @Test
    void twoPackagesUsingEachOtherAreACycle() {
        List<String> violations = violations(HouseRules.packagesFreeOfCycles(ROOT).evaluate(FIXTURE));

        assertThat(violations).anySatisfy(v -> assertThat(v).contains("fsm", "device").contains("Cycle detected"));
    }

    @Test
    void twoPartsOfTheWindowUsingEachOtherAreACycle() {
        List<String> violations = violations(HouseRules.windowPartsFreeOfCycles(ROOT).evaluate(FIXTURE));

        assertThat(violations).anySatisfy(v -> assertThat(v).contains(F + "ui.graph.Graph", F + "ui.charts.Chart")
                .contains("Cycle detected"));
    }

    @Test
    void javafxOrAwtBelowTheWindowIsReportedAndAWindowCommandMayUseThem() {
        List<String> violations = violations(HouseRules.toolkitsOnlyInTheWindow(ROOT).evaluate(FIXTURE));

        assertThat(violations).anySatisfy(v -> assertThat(v).contains(F + "session.Painter", "javafx.scene.paint.Color"));
        assertThat(violations).anySatisfy(v -> assertThat(v).contains(F + "session.Painter", "java.awt.Color"));
        assertThat(violations).noneSatisfy(v -> assertThat(v).contains(F + "cli.WindowLikeCommand"));
    }

    private static List<String> violations(EvaluationResult r) {
        return r.getFailureReport().getDetails();
    }
}

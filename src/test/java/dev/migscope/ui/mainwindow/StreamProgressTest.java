package dev.migscope.ui.mainwindow;

import static org.assertj.core.api.Assertions.assertThat;

import javafx.scene.control.ProgressBar;
import org.junit.jupiter.api.Test;

class StreamProgressTest {

    private static final long MIB = 1 << 20;

    @Test
    void withinTheEstimateTheBarFillsAndTheTextSaysOfHowMuch() {
        StreamProgress p = StreamProgress.of("saving PRE_COPY", 12 * MIB, 48 * MIB);
        assertThat(p.text()).isEqualTo("saving PRE_COPY 12.0 MiB of ~48.0 MiB");
        assertThat(p.fraction()).isEqualTo(0.25);
    }

    @Test
    void anUnknownEstimateIsAnIndeterminateBar() {
        StreamProgress p = StreamProgress.of("resuming RESUMING", 3 * MIB, 0);
        assertThat(p.text()).isEqualTo("resuming RESUMING 3.0 MiB");
        assertThat(p.fraction()).isEqualTo(ProgressBar.INDETERMINATE_PROGRESS);
    }

    @Test
    void pastTheEstimateTheTextSaysSoAndTheBarKeepsMoving() {
        StreamProgress p = StreamProgress.of("saving STOP_COPY", 62 * MIB, 48 * MIB);
        assertThat(p.text()).isEqualTo("saving STOP_COPY 62.0 MiB (past the 48.0 MiB estimate)")
                .doesNotContain("of ~");
        assertThat(p.fraction()).isEqualTo(ProgressBar.INDETERMINATE_PROGRESS);
    }

    @Test
    void exactlyTheEstimateIsAFullBar() {
        assertThat(StreamProgress.of("saving STOP_COPY", 48 * MIB, 48 * MIB).fraction()).isEqualTo(1.0);
    }
}

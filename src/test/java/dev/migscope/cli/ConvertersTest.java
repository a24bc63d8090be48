package dev.migscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.migscope.fsm.MigState;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {

    @ParameterizedTest
    @CsvSource({"500ms, 500", "10s, 10000", "10, 10000", "2m, 120000", "3min, 180000", "PT1.5S, 1500",
        "pt2s, 2000"})
    void durations(String text, long millis) {
        assertThat(new Converters.Time().convert(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-5s", "PT-1S", "1h", "99999999999999999s", ""})
    void notDurations(String text) {
        assertThatThrownBy(() -> new Converters.Time().convert(text)).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("500ms, 10s, 2m or PT10S");
    }

    @ParameterizedTest
    @CsvSource({"stop_copy, STOP_COPY", "VFIO_DEVICE_STATE_PRE_COPY_P2P, PRE_COPY_P2P", "running-p2p, RUNNING_P2P"})
    void statesAsTheUapiSpellsThem(String text, MigState state) {
        assertThat(new Converters.State().convert(text)).isEqualTo(state);
    }
}

package dev.migscope.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.view.DeviceEvent.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenersTest {

    private static DeviceEvent event() {
        return new DeviceEvent(Instant.now(), Kind.CLOSE, "close", null, null, null, List.of(), Duration.ZERO, null,
                null, -1, "");
    }

    @Test
    void aFailingListenerDoesNotStopTheOthersNorTheEmitter() {
        Listeners ls = new Listeners();
        List<String> got = new ArrayList<>();
        ls.add(e -> got.add("first"));
        ls.add(e -> {
            throw new IllegalStateException("a listener's bug");
        });
        ls.add(e -> got.add("third"));
        ls.emit(event());
        assertThat(got).containsExactly("first", "third");
    }

    @Test
    void aRemovedListenerGetsNothingMore() {
        Listeners ls = new Listeners();
        List<DeviceEvent> got = new ArrayList<>();
        DeviceListener l = got::add;
        ls.add(l);
        ls.emit(event());
        ls.remove(l);
        ls.emit(event());
        assertThat(got).hasSize(1);
    }
}

package dev.migscope.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** What the rig's init made in the guest (src/test/vm), as the vm tests read it from its environment. */
public final class RigDevices {
    private RigDevices() {
    }

    /** The UUIDs of the two mtty mdevs, from MIGSCOPE_RIG_MTTY. */
    public static List<String> mtty() {
        String env = System.getenv("MIGSCOPE_RIG_MTTY");
        assertThat(env).as("MIGSCOPE_RIG_MTTY, set by the rig's init, names its two mtty devices").isNotBlank();
        List<String> ids = List.of(env.trim().split("\\s+"));
        assertThat(ids).hasSize(2);
        return ids;
    }
}

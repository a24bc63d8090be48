package dev.migscope.fsm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A device's migration flags as GET VFIO_DEVICE_FEATURE_MIGRATION returns them. Only sets that
 * contain STOP_COPY are valid v2 devices, so exactly four exist ({@link #VALID_SETS}).
 */
public record MigFeatures(int flags) {

    public static final MigFeatures STOP_COPY_ONLY = new MigFeatures(MigFeature.STOP_COPY.bit());
    public static final MigFeatures ALL = of(MigFeature.STOP_COPY, MigFeature.P2P, MigFeature.PRE_COPY);
    /** {STOP_COPY}, {+P2P}, {+PRE_COPY}, {+P2P+PRE_COPY}. */
    public static final List<MigFeatures> VALID_SETS = List.of(
            STOP_COPY_ONLY,
            of(MigFeature.STOP_COPY, MigFeature.P2P),
            of(MigFeature.STOP_COPY, MigFeature.PRE_COPY),
            ALL);

    public static MigFeatures of(MigFeature... features) {
        int f = 0;
        for (MigFeature x : features) {
            f |= x.bit();
        }
        return new MigFeatures(f);
    }

    /**
     * Parses a comma-separated list such as {@code stop-copy,p2p,pre-copy}.
     *
     * @throws IllegalArgumentException naming the unknown word, or when STOP_COPY is missing
     */
    public static MigFeatures parse(String list) {
        int f = 0;
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            MigFeature feature = MigFeature.parse(part).orElseThrow(() -> new IllegalArgumentException(
                    "unknown migration feature '" + part.trim() + "': use stop-copy, p2p, pre-copy"));
            f |= feature.bit();
        }
        MigFeatures parsed = new MigFeatures(f);
        if (!parsed.isValid()) {
            throw new IllegalArgumentException("feature set '" + list + "' lacks stop-copy, which every v2 device has");
        }
        return parsed;
    }

    public boolean has(MigFeature f) {
        return (flags & f.bit()) != 0;
    }

    /** STOP_COPY is mandatory (vfio_main.c refuses to register a device without it). */
    public boolean isValid() {
        return has(MigFeature.STOP_COPY);
    }

    /** {@code (state_flags_table[state] & migration_flags) == state_flags_table[state]}. */
    public boolean supports(MigState state) {
        int need = state.requiredFeatures().flags;
        return state != MigState.ERROR && (flags & need) == need;
    }

    public List<MigFeature> list() {
        return Arrays.stream(MigFeature.values()).filter(this::has).toList();
    }

    /** The features of {@code state} that this set lacks. */
    public List<MigFeature> missingFor(MigState state) {
        List<MigFeature> missing = new ArrayList<>();
        for (MigFeature f : state.requiredFeatures().list()) {
            if (!has(f)) {
                missing.add(f);
            }
        }
        return missing;
    }

    /** {@code stop-copy,p2p,pre-copy}: the form {@link #parse} reads. */
    public String cliNames() {
        return String.join(",", list().stream().map(MigFeature::cliName).toList());
    }

    @Override
    public String toString() {
        return cliNames().isEmpty() ? "none" : cliNames();
    }
}

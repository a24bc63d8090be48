package dev.migscope.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link MigrationFsm} against an expectation built here, independently of the production
 * code: the kernel's {@code vfio_from_fsm_table} pasted as C text from drivers/vfio/vfio_main.c
 * (Linux 6.12), parsed, and its skip rule and state_flags_table re-implemented from the C.
 */
class KernelTableTest {

    /** Verbatim from vfio_mig_get_next_state(), Linux 6.12. */
    private static final String KERNEL_TABLE = """
		[VFIO_DEVICE_STATE_STOP] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_STOP_COPY,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_RESUMING,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
		[VFIO_DEVICE_STATE_RUNNING] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_RUNNING,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_PRE_COPY,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
		[VFIO_DEVICE_STATE_PRE_COPY] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_RUNNING,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_RUNNING,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_PRE_COPY,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_PRE_COPY_P2P,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_PRE_COPY_P2P,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_RUNNING,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_RUNNING,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
		[VFIO_DEVICE_STATE_PRE_COPY_P2P] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_PRE_COPY,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_PRE_COPY_P2P,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_STOP_COPY,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
		[VFIO_DEVICE_STATE_STOP_COPY] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_STOP_COPY,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
		[VFIO_DEVICE_STATE_RESUMING] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_RESUMING,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
		[VFIO_DEVICE_STATE_RUNNING_P2P] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_RUNNING,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_RUNNING,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_PRE_COPY_P2P,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_STOP,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_RUNNING_P2P,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
		[VFIO_DEVICE_STATE_ERROR] = {
			[VFIO_DEVICE_STATE_STOP] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_RUNNING] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_PRE_COPY] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_PRE_COPY_P2P] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_STOP_COPY] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_RESUMING] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_RUNNING_P2P] = VFIO_DEVICE_STATE_ERROR,
			[VFIO_DEVICE_STATE_ERROR] = VFIO_DEVICE_STATE_ERROR,
		},
""";

    /** ABI numbers from enum vfio_device_mig_state, by name. */
    private static final Map<String, Integer> ABI = Map.of("ERROR", 0, "STOP", 1, "RUNNING", 2, "STOP_COPY", 3,
            "RESUMING", 4, "RUNNING_P2P", 5, "PRE_COPY", 6, "PRE_COPY_P2P", 7);
    private static final int STOP_COPY = 1;
    private static final int P2P = 2;
    private static final int PRE_COPY = 4;
    /** state_flags_table, by ABI number; ERROR is ~0U. */
    private static final int[] STATE_FLAGS = {~0, STOP_COPY, STOP_COPY, STOP_COPY, STOP_COPY, STOP_COPY | P2P,
        STOP_COPY | PRE_COPY, STOP_COPY | P2P | PRE_COPY};
    private static final int EINVAL = -1;

    private static final int[][] TABLE = parse();

    private static int[][] parse() {
        int[][] t = new int[8][8];
        for (int[] row : t) {
            java.util.Arrays.fill(row, Integer.MIN_VALUE);
        }
        Pattern rowStart = Pattern.compile("^\\s*\\[VFIO_DEVICE_STATE_(\\w+)] = \\{$");
        Pattern cell = Pattern.compile("^\\s*\\[VFIO_DEVICE_STATE_(\\w+)] = VFIO_DEVICE_STATE_(\\w+),$");
        int cur = -1;
        for (String line : KERNEL_TABLE.split("\n")) {
            Matcher m = rowStart.matcher(line);
            if (m.matches()) {
                cur = ABI.get(m.group(1));
                continue;
            }
            m = cell.matcher(line);
            if (m.matches()) {
                t[cur][ABI.get(m.group(1))] = ABI.get(m.group(2));
            }
        }
        for (int[] row : t) {
            for (int v : row) {
                assertThat(v).as("every cell of the pasted table parsed").isNotEqualTo(Integer.MIN_VALUE);
            }
        }
        return t;
    }

    private static boolean supported(int flags, int state) {
        return (STATE_FLAGS[state] & flags) == STATE_FLAGS[state];
    }

    /** vfio_mig_get_next_state(), transcribed: the next state, or EINVAL. */
    private static int kernelNext(int flags, int cur, int target) {
        if (!supported(flags, cur)) {
            return EINVAL;
        }
        if (!supported(flags, target)) {
            return EINVAL;
        }
        int next = TABLE[cur][target];
        while (next != 0 && !supported(flags, next)) {
            next = TABLE[next][target];
        }
        return next != 0 ? next : EINVAL;
    }

    /** The driver loop (mtty_set_state): the states walked from cur to target, or null for EINVAL. */
    private static List<Integer> kernelPath(int flags, int cur, int target) {
        List<Integer> path = new ArrayList<>(List.of(cur));
        int first = kernelNext(flags, cur, target);
        if (first == EINVAL) {
            return null;
        }
        int s = cur;
        while (s != target) {
            int n = kernelNext(flags, s, target);
            path.add(n);
            s = n;
        }
        return path;
    }

    static Stream<Arguments> allCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int flags : new int[] {STOP_COPY, STOP_COPY | P2P, STOP_COPY | PRE_COPY, STOP_COPY | P2P | PRE_COPY}) {
            for (int from = 0; from < 8; from++) {
                for (int to = 0; to < 8; to++) {
                    cases.add(Arguments.of(flags, from, to));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "flags {0}: {1} -> {2}")
    @MethodSource("allCases")
    void nextStepAndPathMatchTheKernel(int flags, int from, int to) {
        MigFeatures features = new MigFeatures(flags);
        MigState f = MigState.fromAbi(from).orElseThrow();
        MigState t = MigState.fromAbi(to).orElseThrow();

        int expectedNext = kernelNext(flags, from, to);
        MigPath step = MigrationFsm.nextStep(features, f, t);
        if (expectedNext == EINVAL) {
            assertThat(step.isRefused()).as("refused").isTrue();
        } else {
            assertThat(step.next().orElseThrow().abi()).isEqualTo(expectedNext);
        }

        List<Integer> expectedPath = kernelPath(flags, from, to);
        MigPath path = MigrationFsm.path(features, f, t);
        if (expectedPath == null) {
            assertThat(path.isRefused()).isTrue();
            assertThat(path.format()).isEqualTo("EINVAL");
        } else {
            assertThat(path.states().stream().map(MigState::abi).toList()).isEqualTo(expectedPath);
        }
    }

    @Test
    void everyPairIsCovered() {
        assertThat(allCases().count()).isEqualTo(256);
    }

    /** The "driver must implement" lists in the comment above vfio_mig_get_next_state(). */
    @Test
    void directArcsAreTheOnesTheKernelCommentRequires() {
        Set<String> base = Set.of("RESUMING->STOP", "STOP->RESUMING", "STOP->STOP_COPY", "STOP_COPY->STOP");
        Set<String> p2p = Set.of("RUNNING->RUNNING_P2P", "RUNNING_P2P->RUNNING", "RUNNING_P2P->STOP",
                "STOP->RUNNING_P2P");
        Set<String> precopyOnly = Set.of("RUNNING->PRE_COPY", "PRE_COPY->RUNNING", "PRE_COPY->STOP_COPY");
        Set<String> precopyP2p = Set.of("PRE_COPY->RUNNING", "PRE_COPY->PRE_COPY_P2P", "PRE_COPY_P2P->PRE_COPY",
                "PRE_COPY_P2P->RUNNING_P2P", "PRE_COPY_P2P->STOP_COPY", "RUNNING->PRE_COPY",
                "RUNNING_P2P->PRE_COPY_P2P");
        Set<String> plain = Set.of("RUNNING->STOP", "STOP->RUNNING");

        assertThat(arcs(MigFeatures.parse("stop-copy"))).isEqualTo(union(base, plain));
        assertThat(arcs(MigFeatures.parse("stop-copy,p2p"))).isEqualTo(union(base, p2p));
        assertThat(arcs(MigFeatures.parse("stop-copy,pre-copy"))).isEqualTo(union(base, plain, precopyOnly));
        assertThat(arcs(MigFeatures.parse("stop-copy,p2p,pre-copy"))).isEqualTo(union(base, p2p, precopyP2p));
        assertThat(MigrationFsm.allArcs()).hasSize(18);
    }

    /** The multi-step walks the kernel comment lists for a device with every feature. */
    @Test
    void combinationPathsOfTheKernelComment() {
        String comment = """
                PRE_COPY -> PRE_COPY_P2P -> STOP_COPY
                PRE_COPY -> RUNNING -> RUNNING_P2P
                PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP
                PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING
                PRE_COPY_P2P -> RUNNING_P2P -> RUNNING
                PRE_COPY_P2P -> RUNNING_P2P -> STOP
                PRE_COPY_P2P -> RUNNING_P2P -> STOP -> RESUMING
                RESUMING -> STOP -> RUNNING_P2P
                RESUMING -> STOP -> RUNNING_P2P -> PRE_COPY_P2P
                RESUMING -> STOP -> RUNNING_P2P -> RUNNING
                RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY
                RESUMING -> STOP -> STOP_COPY
                RUNNING -> RUNNING_P2P -> PRE_COPY_P2P
                RUNNING -> RUNNING_P2P -> STOP
                RUNNING -> RUNNING_P2P -> STOP -> RESUMING
                RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY
                RUNNING_P2P -> RUNNING -> PRE_COPY
                RUNNING_P2P -> STOP -> RESUMING
                RUNNING_P2P -> STOP -> STOP_COPY
                STOP -> RUNNING_P2P -> PRE_COPY_P2P
                STOP -> RUNNING_P2P -> RUNNING
                STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY
                STOP_COPY -> STOP -> RESUMING
                STOP_COPY -> STOP -> RUNNING_P2P
                STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING
                """;
        int multiStep = 0;
        for (String line : comment.strip().split("\n")) {
            List<MigState> walk = Stream.of(line.trim().split(" -> ")).map(s -> MigState.valueOf(s)).toList();
            MigPath p = MigrationFsm.path(MigFeatures.ALL, walk.get(0), walk.get(walk.size() - 1));
            assertThat(p.states()).as(line).isEqualTo(walk);
            multiStep++;
        }
        // ...and those are all of them: every other pair is one arc, a no-op, or refused.
        long all = 0;
        for (MigState f : MigState.values()) {
            for (MigState t : MigState.values()) {
                if (MigrationFsm.path(MigFeatures.ALL, f, t).states().size() > 2) {
                    all++;
                }
            }
        }
        assertThat(all).isEqualTo(multiStep);
    }

    @Test
    void refusalsNameTheirReason() {
        assertThat(MigrationFsm.path(MigFeatures.ALL, MigState.STOP_COPY, MigState.PRE_COPY).refusal())
                .isEqualTo(Refusal.STOP_COPY_TO_PRE_COPY);
        assertThat(MigrationFsm.path(MigFeatures.ALL, MigState.STOP_COPY, MigState.PRE_COPY_P2P).refusal())
                .isEqualTo(Refusal.STOP_COPY_TO_PRE_COPY);
        assertThat(MigrationFsm.path(MigFeatures.ALL, MigState.RUNNING, MigState.ERROR).refusal())
                .isEqualTo(Refusal.TARGET_IS_ERROR);
        assertThat(MigrationFsm.path(MigFeatures.ALL, MigState.ERROR, MigState.RUNNING).refusal())
                .isEqualTo(Refusal.FROM_ERROR);
        assertThat(MigrationFsm.path(MigFeatures.parse("stop-copy,p2p"), MigState.RUNNING, MigState.PRE_COPY)
                .refusal()).isEqualTo(Refusal.TARGET_NEEDS_FEATURE);
        assertThat(MigrationFsm.path(MigFeatures.STOP_COPY_ONLY, MigState.RUNNING_P2P, MigState.STOP).refusal())
                .isEqualTo(Refusal.CURRENT_NEEDS_FEATURE);
    }

    @Test
    void arcEffectsFollowVfioH() {
        Map<ArcEffect, Set<String>> byEffect = new EnumMap<>(ArcEffect.class);
        for (Arc a : MigrationFsm.allArcs()) {
            byEffect.computeIfAbsent(a.effect(), k -> new LinkedHashSet<>()).add(a.toString());
        }
        assertThat(byEffect.get(ArcEffect.OPENS_SAVE_FD))
                .containsExactlyInAnyOrder("RUNNING->PRE_COPY", "RUNNING_P2P->PRE_COPY_P2P", "STOP->STOP_COPY");
        assertThat(byEffect.get(ArcEffect.OPENS_RESUME_FD)).containsExactly("STOP->RESUMING");
        assertThat(byEffect.get(ArcEffect.CONTINUES_FD)).containsExactlyInAnyOrder("PRE_COPY->STOP_COPY",
                "PRE_COPY_P2P->STOP_COPY", "PRE_COPY->PRE_COPY_P2P", "PRE_COPY_P2P->PRE_COPY");
        assertThat(byEffect.get(ArcEffect.ENDS_SAVE)).containsExactlyInAnyOrder("STOP_COPY->STOP",
                "PRE_COPY->RUNNING", "PRE_COPY_P2P->RUNNING_P2P");
        assertThat(byEffect.get(ArcEffect.ENDS_RESUME)).containsExactly("RESUMING->STOP");
    }

    @Test
    void featureParsingNamesTheProblem() {
        assertThat(MigFeatures.parse("stop-copy,pre-copy,p2p")).isEqualTo(MigFeatures.ALL);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MigFeatures.parse("stop-copy,turbo"))
                .hasMessageContaining("turbo");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MigFeatures.parse("p2p"))
                .hasMessageContaining("stop-copy");
    }

    private static Set<String> arcs(MigFeatures f) {
        Set<String> s = new LinkedHashSet<>();
        MigrationFsm.directArcs(f).forEach(a -> s.add(a.toString()));
        return s;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> u = new LinkedHashSet<>();
        for (Set<String> s : sets) {
            u.addAll(s);
        }
        return u;
    }
}

package dev.migscope.cli;

import dev.migscope.device.Visible;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.Errno;
import dev.migscope.device.VfioError;
import dev.migscope.device.VfioException;
import dev.migscope.fsm.Arc;
import dev.migscope.fsm.ArcEffect;
import dev.migscope.fsm.MigFeature;
import dev.migscope.fsm.MigFeatures;
import dev.migscope.fsm.MigPath;
import dev.migscope.fsm.MigState;
import dev.migscope.fsm.MigrationFsm;
import dev.migscope.fsm.Refusal;
import dev.migscope.json.Json;
import dev.migscope.session.SessionOptions;
import dev.migscope.view.PrecopyInfoV2;
import dev.migscope.view.DeviceView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code migscope show DEV}: identity, features, state, and what the kernel's FSM lets this
 * feature set do: its direct arcs, its refusals, and the path to every target from the current state.
 */
@Command(name = "show", description = {
    "Show one device: identity, migration features, state, the direct arcs of its feature set, "
            + "what the kernel refuses (EINVAL), and the path it walks from the current state to each target.",
    "When the listing does not know the features or the state, the device is opened to read them "
            + "(GET MIGRATION, GET MIG_DEVICE_STATE); nothing is changed.",
    "A device with PRE_COPY is opened too, to say whether it accepts the PRECOPY_INFOv2 opt-in (Linux 7.1+: "
            + "PRECOPY_INFO then says REINIT); the opt-in lasts only until the device is closed."})
final class ShowCommand implements Callable<Integer> {

    @Mixin
    DeviceParameter dev;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = dev.spec.commandLine().getOut();
        DeviceInfo info = dev.root().find(dev.id).orElseThrow(() -> new CliFailure(ExitCode.NO_DEVICE,
                VfioError.of(Errno.ENODEV, "show", dev.id, "no such device; `migscope list` (or `migscope --sim list`) "
                        + "shows the devices this host has").describe()));
        MigFeatures features = info.features();
        MigState state = info.state();
        VfioError problem = null;
        PrecopyInfoV2 optIn = PrecopyInfoV2.UNKNOWN;
        String optInProblem = "";
        boolean needed = features == null || state == null;
        // The PRECOPY_INFOv2 opt-in can only be asked of an open device; it lasts until the close.
        if (needed || features.has(MigFeature.PRE_COPY)) {
            try (DeviceView s = dev.root().tryOpen(dev.id, SessionOptions.defaults(), false)) {
                features = s.features();
                state = s.state();
                optIn = s.precopyInfoV2();
            } catch (VfioException e) {
                if (needed) {
                    problem = e.error();
                } else {
                    optInProblem = " (" + e.error().errnoName() + ": could not open the device to ask)";
                }
            }
        } else {
            optIn = PrecopyInfoV2.NO_PRE_COPY;
        }
        if (json) {
            printJson(out, info, features, state, optIn);
        } else {
            printText(out, info, features, state, problem, optIn.sentence() + optInProblem);
        }
        out.flush();
        if (problem != null) {
            throw new CliFailure(ExitCode.NO_DEVICE, problem.describe());
        }
        return ExitCode.OK;
    }

    private static void printText(PrintWriter out, DeviceInfo d, MigFeatures features, MigState state,
            VfioError problem, String optIn) {
        out.println(Visible.of(d.id() + "  " + d.displayName()));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"  kind", d.kind().jsonName()});
        rows.add(new String[] {"  driver", d.driver()});
        rows.add(new String[] {"  vendor", withId(d.vendorName(), d.vendorId())});
        rows.add(new String[] {"  device", withId(d.deviceName(), d.deviceId())});
        rows.add(new String[] {"  iommu group", d.iommuGroup() == null ? "-" : d.iommuGroup().toString()});
        rows.add(new String[] {"  cdev", d.cdev()});
        rows.add(new String[] {"  owner", d.ownerIfBusy().map(Object::toString).orElse("-")});
        rows.add(new String[] {"  access", d.access() == null ? "ok" : d.access()});
        String unknown = problem == null ? "unknown" : "unknown (" + problem.errnoName() + ")";
        rows.add(new String[] {"  features", features == null ? unknown : features.toString()});
        rows.add(new String[] {"  state", state == null ? unknown : state.name()});
        Table.print(out, rows);
        out.println("  PRECOPY_INFOv2: " + optIn);
        if (features == null || !features.isValid()) {
            return;
        }
        List<Arc> arcs = sortedArcs(features);
        out.println("  direct arcs (" + arcs.size() + "):");
        for (Arc a : arcs) {
            ArcEffect e = a.effect();
            out.println(String.format("    %-12s -> %-12s%s", a.from(), a.to(),
                    e == ArcEffect.NONE ? "" : "  " + e.name()).stripTrailing());
        }
        out.println("  refused with EINVAL:");
        for (Map.Entry<Refusal, List<MigPath>> e : refusals(features).entrySet()) {
            out.println("    " + e.getKey().name() + " (" + e.getValue().size() + " pairs): " + e.getKey().reason()
                    + detail(features, e.getKey(), e.getValue()));
        }
        if (state != null && state != MigState.ERROR) {
            out.println("  from " + state + ":");
            for (MigState to : MigState.values()) {
                if (to != state) {
                    MigPath p = MigrationFsm.path(features, state, to);
                    out.println(String.format("    %-12s %s", to, p.isRefused()
                            ? "EINVAL: " + p.refusal().reason() : p.format()));
                }
            }
        } else if (state == MigState.ERROR) {
            out.println("  the device is in ERROR: only `migscope reset " + Visible.of(d.id())
                    + "` leaves it (back to RUNNING)");
        }
    }

    private static void printJson(PrintWriter out, DeviceInfo d, MigFeatures features, MigState state,
            PrecopyInfoV2 optIn) {
        ObjectNode o = DeviceJson.identity(d);
        if (features != null) {
            o.set("features", Json.strings(features.list().stream().map(MigFeature::cliName).toList()));
        }
        if (state != null) {
            o.put("state", state.name());
        }
        o.put("precopy_info_v2", optIn.jsonName());
        if (features != null && features.isValid()) {
            ArrayNode arcs = o.putArray("direct_arcs");
            for (Arc a : sortedArcs(features)) {
                arcs.addObject().put("from", a.from().name()).put("to", a.to().name()).put("effect", a.effect().name());
            }
            ArrayNode refused = o.putArray("refused");
            for (Map.Entry<Refusal, List<MigPath>> e : refusals(features).entrySet()) {
                for (MigPath p : e.getValue()) {
                    refused.addObject().put("from", p.from().name()).put("to", p.to().name())
                            .put("refusal", e.getKey().name());
                }
            }
            if (state != null && state != MigState.ERROR) {
                ObjectNode paths = o.putObject("paths_from_state");
                for (MigState to : MigState.values()) {
                    paths.put(to.name(), MigrationFsm.path(features, state, to).format());
                }
            }
        }
        out.println(Json.write(o));
    }

    private static String withId(String name, String hexId) {
        if (name == null && hexId == null) {
            return "-";
        }
        if (name == null) {
            return hexId;
        }
        return hexId == null ? name : name + " (" + hexId + ")";
    }

    private static List<Arc> sortedArcs(MigFeatures f) {
        return MigrationFsm.directArcs(f).stream()
                .sorted(Comparator.comparingInt((Arc a) -> a.from().abi()).thenComparingInt(a -> a.to().abi()))
                .toList();
    }

    /** Every refused (from, to) pair of the feature set, grouped by the kernel's reason. */
    private static Map<Refusal, List<MigPath>> refusals(MigFeatures f) {
        Map<Refusal, List<MigPath>> by = new EnumMap<>(Refusal.class);
        for (MigState from : MigState.values()) {
            for (MigState to : MigState.values()) {
                MigPath p = MigrationFsm.path(f, from, to);
                if (p.isRefused()) {
                    by.computeIfAbsent(p.refusal(), r -> new ArrayList<>()).add(p);
                }
            }
        }
        return by;
    }

    private static String detail(MigFeatures f, Refusal r, List<MigPath> pairs) {
        Set<String> parts = new LinkedHashSet<>();
        switch (r) {
            case TARGET_NEEDS_FEATURE -> pairs.forEach(p -> parts.add(p.to() + " needs "
                    + String.join(",", f.missingFor(p.to()).stream().map(MigFeature::cliName).toList())));
            case CURRENT_NEEDS_FEATURE -> pairs.forEach(p -> parts.add(p.from().name()));
            case STOP_COPY_TO_PRE_COPY -> pairs.forEach(p -> parts.add(p.from() + " -> " + p.to()));
            default -> {
                return "";
            }
        }
        return " [" + String.join("; ", parts) + "]";
    }
}

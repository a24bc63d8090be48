package dev.migscope.ui;

import dev.migscope.device.DeviceInfo;
import dev.migscope.ui.common.FxTasks;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The device a window shows as it starts, so that the graph and the charts are live at once: the
 * one asked for ({@code --device}), else the one shown last ({@link UserFiles#deviceFile}), else the
 * first one listed, among those that can be opened (nobody holds them and this user may open them;
 * a host without VFIO devices lists the simulated ones). From then on each device of this host
 * selected in the list is remembered for the next start; a device on another host or in an attached
 * QEMU is not, as the next start has not reached them yet.
 */
final class RememberedDevice {

    private RememberedDevice() {
    }

    /**
     * Once the devices are listed, shows {@code deviceId}, or the one {@link #choose} picks when
     * null; and remembers the devices selected from then on. FX thread.
     */
    static void follow(InspectorWindow w, UserFiles files, String deviceId) {
        FxTasks tasks = w.tasks();
        w.devices().selectedProperty().addListener((o, was, d) -> {
            if (d != null) {
                tasks.execute(() -> remember(w, files, d.id()));
            }
        });
        CompletableFuture<Optional<String>> remembered = tasks.supply(() -> files.loadDevice(
                problem -> FxTasks.FX.execute(() -> w.log().problem(problem))));
        w.deviceList().rescan().thenCombine(remembered, (listed, last) -> {
            if (deviceId != null) {
                return Optional.of(deviceId);
            }
            Optional<String> chosen = choose(listed, last);
            last.filter(id -> !chosen.equals(Optional.of(id))).ifPresent(id -> w.log().note(id
                    + ", the device shown last, cannot be opened now (not listed, or busy)"
                    + chosen.map(c -> ": showing " + c).orElse("")));
            return chosen;
        }).thenAccept(id -> id.ifPresent(w.deviceList()::show));
    }

    /**
     * The remembered device when it is listed and can be opened now, else the first listed that
     * can; empty when none can.
     */
    static Optional<String> choose(List<DeviceInfo> listed, Optional<String> remembered) {
        List<String> free = listed.stream().filter(d -> d.owner() == null && d.access() == null)
                .map(DeviceInfo::id).toList();
        return remembered.filter(free::contains).or(() -> free.stream().findFirst());
    }

    private static void remember(InspectorWindow w, UserFiles files, String id) {
        try {
            files.rememberDevice(id);
        } catch (IOException e) {
            FxTasks.FX.execute(() -> w.log().problem("could not remember " + id + " for the next start in "
                    + files.deviceFile() + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
        }
    }
}

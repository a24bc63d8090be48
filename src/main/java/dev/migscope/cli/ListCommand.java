package dev.migscope.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code migscope list}: the devices, without opening any (opening a vfio-pci function may reset it). */
@Command(name = "list", description = {
    "List the VFIO devices of this host (simulated devices when it has none, or with --sim).",
    "Nothing is opened: the state is shown only where it can be read without side effects.",
    "--json prints an array of objects: id, kind (pci, mdev, sim), driver, vendor, device, vendor_id, "
            + "device_id, iommu_group, cdev, owner {pid, command, domain}, access, features (stop-copy, p2p, pre-copy), "
            + "state; a key is absent when its value is unknown.",
    "With --libvirt: the running domains of the libvirt daemon at --connect (virsh's URI; qemu:///system, or "
            + "qemu+ssh://HOST/system with --host), each VFIO hostdev with the host device it names, that device's "
            + "driver when this host lists it, and whether migration-events is on. --json prints an array of "
            + "objects: name, uuid, state, hostdevs [{alias, kind, host_device, migration_events, listed, driver}]."})
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    MigscopeCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--ids", description = "Print only the ids, one a line (what the bash completion offers for DEV).")
    boolean ids;

    @Option(names = "--libvirt", description = "List the domains a libvirt daemon runs, with their VFIO hostdevs.")
    boolean libvirt;

    @Option(names = "--connect", paramLabel = "URI", description = "With --libvirt: the libvirt URI (default: "
            + "qemu:///system, or qemu+ssh://HOST/system with --host).")
    String connect;

    @Override
    public Integer call() {
        if (ids && json) {
            throw new ParameterException(spec.commandLine(), "--ids and --json print two different things: give one");
        }
        if (connect != null && !libvirt) {
            throw new CliFailure(ExitCode.USAGE, "--connect is libvirt's URI: give it with --libvirt");
        }
        PrintWriter out = spec.commandLine().getOut();
        List<DeviceInfo> devices = root.devices();
        if (libvirt) {
            if (ids) {
                throw new ParameterException(spec.commandLine(), "--ids lists device ids: not with --libvirt");
            }
            String uri = connect == null ? root.host().libvirtUri() : root.checkedPath("the libvirt URI", connect);
            return LibvirtListing.print(out, uri, LibvirtListing.domains(uri), devices, json);
        }
        if (ids) {
            devices.forEach(d -> out.println(d.id()));
            out.flush();
            return ExitCode.OK;
        }
        if (json) {
            ArrayNode listed = Json.array();
            devices.forEach(d -> listed.add(DeviceJson.listed(d)));
            out.println(Json.write(listed));
            out.flush();
            return ExitCode.OK;
        }
        if (devices.isEmpty()) {
            out.println("no devices (migscope --sim list shows the simulated ones)");
            out.flush();
            return ExitCode.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "KIND", "DRIVER", "FEATURES", "STATE", "GROUP", "OWNER", "NAME"});
        for (DeviceInfo d : devices) {
            rows.add(new String[] {
                d.id(),
                d.kind().jsonName(),
                d.driver(),
                d.knownFeatures().map(Object::toString).orElse("?"),
                d.knownState().map(Enum::name).orElse("?"),
                d.iommuGroup() == null ? "-" : d.iommuGroup().toString(),
                d.ownerIfBusy().map(Object::toString).orElse("-"),
                d.vendorName() == null && d.deviceName() == null ? "-"
                        : (d.vendorName() == null ? "" : d.vendorName() + " ")
                                + (d.deviceName() == null ? "" : d.deviceName())});
        }
        Table.print(out, rows);
        for (DeviceInfo d : devices) {
            if (d.access() != null) {
                out.println("note: " + Visible.of(d.id() + ": " + d.access()));
            }
        }
        out.flush();
        return ExitCode.OK;
    }
}

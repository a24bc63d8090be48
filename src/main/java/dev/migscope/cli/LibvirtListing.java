package dev.migscope.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.migscope.device.DeviceInfo;
import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.libvirt.DomainSummary;
import dev.migscope.libvirt.DomainXml;
import dev.migscope.libvirt.LibvirtException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code migscope list --libvirt}: a libvirt daemon's running domains, each VFIO hostdev on a row
 * with the host device it names (found among the host's VFIO devices, by PCI address or mdev UUID)
 * and whether QEMU sends VFIO_MIGRATION events for it.
 */
final class LibvirtListing {

    private LibvirtListing() {
    }

    /** The daemon's running domains; a missing library or daemon is "no device", one line. */
    static List<DomainSummary> domains(String uri) {
        try {
            return DomainSummary.running(uri);
        } catch (LibvirtException e) {
            throw new CliFailure(e.kind() == LibvirtException.Kind.NO_DAEMON
                    || e.kind() == LibvirtException.Kind.NO_LIBRARY ? ExitCode.NO_DEVICE : ExitCode.FAILED,
                    e.getMessage());
        }
    }

    /** The domains of {@code uri}, their hostdevs mapped to {@code hostDevices} by id. */
    static int print(PrintWriter out, String uri, List<DomainSummary> domains, List<DeviceInfo> hostDevices,
            boolean json) {
        Map<String, DeviceInfo> byId = hostDevices.stream()
                .collect(Collectors.toMap(DeviceInfo::id, Function.identity(), (a, b) -> a));
        if (json) {
            ArrayNode a = Json.array();
            for (DomainSummary d : domains) {
                ObjectNode o = a.addObject().put("name", d.name()).put("uuid", d.uuid()).put("state", d.state());
                ArrayNode hs = o.putArray("hostdevs");
                for (DomainXml.Hostdev h : d.hostdevs()) {
                    ObjectNode ho = hs.addObject().put("alias", h.alias()).put("kind", h.kind().jsonName())
                            .put("host_device", h.hostId()).put("migration_events", h.migrationEvents());
                    Optional.ofNullable(byId.get(h.hostId())).ifPresent(i -> ho.put("driver", i.driver()));
                    ho.put("listed", byId.containsKey(h.hostId()));
                }
            }
            out.println(Json.write(a));
            out.flush();
            return ExitCode.OK;
        }
        if (domains.isEmpty()) {
            out.println("no running domains on " + Visible.of(uri));
            out.flush();
            return ExitCode.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DOMAIN", "STATE", "HOSTDEV", "KIND", "HOST DEVICE", "DRIVER", "MIGRATION-EVENTS"});
        List<String> fixes = new ArrayList<>();
        for (DomainSummary d : domains) {
            if (d.hostdevs().isEmpty()) {
                rows.add(new String[] {d.name(), d.state(), "-", "-", "-", "-", "-"});
            }
            for (DomainXml.Hostdev h : d.hostdevs()) {
                DeviceInfo host = byId.get(h.hostId());
                rows.add(new String[] {d.name(), d.state(), h.alias(), h.kind().jsonName(), h.hostId(),
                    host == null ? "(not listed on this host)" : host.driver(), h.migrationEvents() ? "on" : "off"});
                if (!h.migrationEvents()) {
                    fixes.add(d.name() + " " + h.alias());
                }
            }
        }
        Table.print(out, rows);
        if (!fixes.isEmpty()) {
            out.println("note: migration-events is off for " + Visible.of(String.join(", ", fixes)) + ": QEMU sends no "
                    + "VFIO_MIGRATION event for " + (fixes.size() == 1 ? "it" : "them") + "; migscope attach --libvirt "
                    + "prints the <qemu:override> that turns it on");
        }
        out.flush();
        return ExitCode.OK;
    }
}

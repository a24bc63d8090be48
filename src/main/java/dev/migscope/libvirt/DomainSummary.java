package dev.migscope.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A running domain as a listing shows it: its name, UUID, libvirt's state, and its VFIO hostdevs
 * from the live XML (each naming its host device, and whether migration-events is on).
 */
public record DomainSummary(String name, String uuid, String state, List<DomainXml.Hostdev> hostdevs) {

    /** The running domains of the daemon at {@code uri}, in libvirt's order; one connection, closed after. */
    public static List<DomainSummary> running(String uri) throws LibvirtException {
        try (Connection c = Connection.open(uri)) {
            List<Domain> domains = c.runningDomains();
            try {
                List<DomainSummary> out = new ArrayList<>();
                for (Domain d : domains) {
                    try {
                        out.add(of(d.xml(), d.state()));
                    } catch (LibvirtException e) {
                        if (e.kind() != LibvirtException.Kind.NO_DOMAIN) {
                            throw e;
                        }
                        // stopped since it was listed: no longer running, so not listed
                    }
                }
                return out;
            } finally {
                domains.forEach(Domain::close);
            }
        }
    }

    static DomainSummary of(DomainXml xml, Domain.StateReason state) {
        return new DomainSummary(xml.name(), xml.uuid(), state.state().name().toLowerCase(Locale.ROOT),
                xml.hostdevs());
    }
}

package dev.migscope.libvirt;

import dev.migscope.device.DeviceKind;
import dev.migscope.qemu.VfioPciDevice;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * What migscope reads of a domain's live XML (virDomainGetXMLDesc): its name and UUID, and its
 * VFIO hostdevs ({@code <hostdev mode='subsystem' type='pci'|'mdev'>}) with the alias libvirt gave
 * each (QEMU's device id), the host device it names, and whether a {@code <qemu:override>} turns
 * vfio-pci's migration-events on. Parsed without DTDs or external entities, bounded in size and
 * count; a value not of libvirt's form is an error.
 */
public record DomainXml(String name, String uuid, List<Hostdev> hostdevs) {

    /** The largest domain XML migscope reads (a big domain's is some tens of KiB). */
    public static final int MAX_BYTES = 4 << 20;
    public static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";

    static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** libvirt's aliases: its own (hostdev0) and user ones (ua-NAME): letters, digits, - _ . */
    static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    static final Pattern NAME = Pattern.compile("[^/\\p{Cntrl}]{1,256}");

    /**
     * One VFIO hostdev.
     *
     * @param alias           QEMU's id for it ({@code hostdev0}); its QOM path is /machine/peripheral/ALIAS
     * @param kind            a PCI function or an mdev
     * @param hostId          migscope's id of the host device: {@code 0000:01:00.0} or the mdev's UUID
     * @param migrationEvents true when a qemu:override sets vfio-pci's migration-events on; false else
     *                        (QEMU's default, which libvirt leaves)
     */
    public record Hostdev(String alias, DeviceKind kind, String hostId, boolean migrationEvents) {

        /** As QEMU's QOM would show it: the same value a QMP attach builds. */
        public VfioPciDevice device() {
            return new VfioPciDevice("/machine/peripheral/" + alias, alias,
                    kind == DeviceKind.MDEV ? "/sys/bus/mdev/devices/" + hostId : null,
                    kind == DeviceKind.PCI ? hostId : null, migrationEvents);
        }
    }

    public static DomainXml parse(String xml) throws LibvirtException {
        if (xml == null || xml.length() > MAX_BYTES) {
            throw bad("its XML is " + (xml == null ? "missing" : "longer than " + MAX_BYTES + " characters"));
        }
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw bad("its XML does not parse: " + e.getMessage());
        }
        Element root = doc.getDocumentElement();
        if (!root.getLocalName().equals("domain")) {
            throw bad("its XML's root is <" + root.getLocalName() + ">, not <domain>");
        }
        String name = child(root, "name");
        if (name == null || !NAME.matcher(name).matches()) {
            throw bad("its <name> is missing or not a domain name");
        }
        String uuid = child(root, "uuid");
        if (uuid == null || !UUID.matcher(uuid.toLowerCase(Locale.ROOT)).matches()) {
            throw bad("its <uuid> is missing or not a UUID");
        }
        List<String> eventsOn = eventsOn(root);
        List<Hostdev> hostdevs = new ArrayList<>();
        NodeList hs = root.getElementsByTagNameNS("*", "hostdev");
        if (hs.getLength() > VfioPciDevice.MAX_DEVICES) {
            throw bad("it has " + hs.getLength() + " hostdevs, more than migscope follows (" + VfioPciDevice.MAX_DEVICES
                    + ")");
        }
        for (int i = 0; i < hs.getLength(); i++) {
            Element h = (Element) hs.item(i);
            String type = h.getAttribute("type");
            if (!h.getAttribute("mode").equals("subsystem") || !(type.equals("pci") || type.equals("mdev"))) {
                continue; // USB, SCSI, a network interface's: not VFIO
            }
            if (type.equals("mdev") && !h.getAttribute("model").equals("vfio-pci")) {
                continue; // vfio-ccw, vfio-ap: not a vfio-pci device
            }
            Element alias = first(h, "alias");
            String a = alias == null ? null : alias.getAttribute("name");
            if (a == null || !ALIAS.matcher(a).matches()) {
                throw bad("hostdev " + (i + 1) + " has no alias of libvirt's form (is the domain running?)");
            }
            Element source = first(h, "source");
            Element address = source == null ? null : first(source, "address");
            if (address == null) {
                throw bad("hostdev " + a + " has no <source><address>");
            }
            String host = type.equals("mdev") ? mdev(address, a) : pci(address, a);
            hostdevs.add(new Hostdev(a, type.equals("mdev") ? DeviceKind.MDEV : DeviceKind.PCI, host,
                    eventsOn.contains(a)));
        }
        return new DomainXml(name, uuid.toLowerCase(Locale.ROOT), hostdevs);
    }

    private static String mdev(Element address, String alias) throws LibvirtException {
        String uuid = address.getAttribute("uuid").toLowerCase(Locale.ROOT);
        if (!UUID.matcher(uuid).matches()) {
            throw bad("mdev hostdev " + alias + "'s address has no UUID");
        }
        return uuid;
    }

    /** {@code <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>} to {@code 0000:01:00.0}. */
    private static String pci(Element address, String alias) throws LibvirtException {
        long domain = hex(address, "domain", 0xffff, alias);
        long bus = hex(address, "bus", 0xff, alias);
        long slot = hex(address, "slot", 0x1f, alias);
        long function = hex(address, "function", 0x7, alias);
        return String.format(Locale.ROOT, "%04x:%02x:%02x.%x", domain, bus, slot, function);
    }

    private static long hex(Element address, String attribute, long max, String alias) throws LibvirtException {
        String v = address.getAttribute(attribute);
        try {
            long n = v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw bad("PCI hostdev " + alias + "'s address " + attribute + "='" + v + "' is not 0 to 0x"
                + Long.toHexString(max));
    }

    /** The aliases whose vfio-pci migration-events a {@code <qemu:override>} sets to true. */
    private static List<String> eventsOn(Element root) {
        List<String> on = new ArrayList<>();
        NodeList devices = root.getElementsByTagNameNS(QEMU_NS, "device");
        for (int i = 0; i < devices.getLength() && i < VfioPciDevice.MAX_DEVICES; i++) {
            Element d = (Element) devices.item(i);
            NodeList props = d.getElementsByTagNameNS(QEMU_NS, "property");
            for (int k = 0; k < props.getLength(); k++) {
                Element p = (Element) props.item(k);
                if (p.getAttribute("name").equals("migration-events") && p.getAttribute("value").equals("true")) {
                    on.add(d.getAttribute("alias"));
                }
            }
        }
        return on;
    }

    /**
     * The exact XML that turns a hostdev's VFIO_MIGRATION events on (libvirt 8.2+): a
     * {@code <qemu:override>} of its alias, inside {@code <domain>}, whose start tag needs the
     * qemu namespace. {@code virsh edit}, then restart the domain.
     */
    public static String migrationEventsOverride(String alias) {
        return "<domain ... xmlns:qemu='" + QEMU_NS + "'>\n"
                + "  <qemu:override>\n"
                + "    <qemu:device alias='" + alias + "'>\n"
                + "      <qemu:frontend>\n"
                + "        <qemu:property name='migration-events' type='bool' value='true'/>\n"
                + "      </qemu:frontend>\n"
                + "    </qemu:device>\n"
                + "  </qemu:override>\n"
                + "</domain>";
    }

    private static String child(Element e, String name) {
        Element c = first(e, name);
        return c == null ? null : c.getTextContent().strip();
    }

    private static Element first(Element e, String name) {
        for (org.w3c.dom.Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && name.equals(c.getLocalName()) && c.getNamespaceURI() == null) {
                return c;
            }
        }
        return null;
    }

    private static LibvirtException bad(String what) {
        return new LibvirtException(LibvirtException.Kind.LIMIT, "libvirt's domain description: " + what);
    }
}

package dev.migscope.qemu;

import com.fasterxml.jackson.databind.JsonNode;

/** QEMU's version as its greeting and {@code query-version} give it. */
public record QemuVersion(int major, int minor, int micro, String packageName) {

    /** VFIO_MIGRATION and vfio-pci's migration-events property came in QEMU 9.1 (qapi/vfio.json: "Since: 9.1"). */
    public static final QemuVersion VFIO_MIGRATION_EVENTS = new QemuVersion(9, 1, 0, "");

    static QemuVersion of(JsonNode version) {
        JsonNode q = version.path("qemu");
        return new QemuVersion(q.path("major").asInt(0), q.path("minor").asInt(0), q.path("micro").asInt(0),
                version.path("package").asText("").strip());
    }

    public boolean atLeast(QemuVersion other) {
        if (major != other.major) {
            return major > other.major;
        }
        if (minor != other.minor) {
            return minor > other.minor;
        }
        return micro >= other.micro;
    }

    /** {@code 10.0.2}. */
    @Override
    public String toString() {
        return major + "." + minor + "." + micro;
    }
}

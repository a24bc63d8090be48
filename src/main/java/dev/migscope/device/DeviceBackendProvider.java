package dev.migscope.device;

/**
 * Found by {@link java.util.ServiceLoader} (META-INF/services), so that {@code device} never imports
 * the packages that implement it.
 */
public interface DeviceBackendProvider {

    /** {@code linux} or {@code sim}. */
    String name();

    /** True for the backend of real devices; the registry falls back to simulated ones when these list none. */
    boolean real();

    DeviceBackend create();
}

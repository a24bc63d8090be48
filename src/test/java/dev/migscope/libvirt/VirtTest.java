package dev.migscope.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.junit.jupiter.api.Test;

/** The binding's loading: a host without libvirt0 is one line naming the package, never a stack trace. */
class VirtTest {

    /** JNA's own error for a library dlopen cannot find, as on a host without libvirt0. */
    private static final Virt.Loader NO_LIBVIRT = new Virt.Loader() {
        @Override
        public <T extends Library> T load(String name, Class<T> type) {
            if (name.startsWith("libvirt")) {
                throw new UnsatisfiedLinkError("Unable to load library '" + name + "': " + name
                        + ": cannot open shared object file: No such file or directory");
            }
            return Native.load(name, type);
        }
    };

    @Test
    void aHostWithoutLibvirtIsOneLineNamingThePackage() {
        assertThatThrownBy(() -> Virt.bind(NO_LIBVIRT)).isInstanceOfSatisfying(LibvirtException.class, e -> {
            assertThat(e.kind()).isEqualTo(LibvirtException.Kind.NO_LIBRARY);
            assertThat(e.getMessage()).isEqualTo("libvirt.so.0 or libvirt-qemu.so.0 not found: install libvirt0 "
                    + "(apt-get install libvirt0 libvirt-clients)").doesNotContain("\n");
            assertThat(e.getStackTrace()).isEmpty();
        });
    }

    @Test
    void thisHostsLibvirtIsBound() throws Exception {
        Virt v = Virt.bind(Native::load);
        assertThat(v.lib).isNotNull();
        assertThat(v.qemu).isNotNull();
    }
}

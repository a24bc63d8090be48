package dev.migscope.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.migscope.device.Owner;
import dev.migscope.testsupport.QemuProcess;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who holds a device, over fake /proc trees: group node, cdev, device fd, data_fd. */
class ProcOwnersTest {

    static final String UUID = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";
    static final String SYSPATH = "/sys/devices/virtual/mtty/mtty/" + UUID;

    @TempDir
    Path tmp;
    FakeHost host;
    Path cdev;
    Path group;

    @BeforeEach
    void setUp() {
        host = new FakeHost(tmp);
        cdev = host.dev.resolve("vfio/devices/vfio0");
        group = host.dev.resolve("vfio/12");
    }

    private ProcOwners scan() {
        return ProcOwners.scan(host.proc, host.dev.resolve("vfio"));
    }

    /** QEMU's way: the group node, not the cdev, although the device has one (the rig's EBUSY case). */
    @Test
    void aHolderOfTheGroupNodeHoldsADeviceThatAlsoHasACdev() {
        host.process(4242, "qemu-system-x86", group);

        ProcOwners.Holding h = scan().holderOf(UUID, cdev, group).orElseThrow();

        assertThat(h.owner()).isEqualTo(new Owner(4242, "qemu-system-x86"));
        assertThat(h.through()).isEqualTo(group.toString());
    }

    /** comm is cut to 15 bytes; argv[0]'s file name completes it, and only a name that begins with it. */
    @Test
    void aCutCommIsCompletedFromArgv0() {
        host.process(4242, "qemu-system-x86", group);
        FakeHost.write(host.proc.resolve("4242/cmdline"), "/usr/bin/qemu-system-x86_64\0-machine\0q35\0");
        host.process(4343, "kworker/u8:1-ev", cdev);
        FakeHost.write(host.proc.resolve("4343/cmdline"), "/usr/bin/other\0");

        assertThat(scan().holderOf(UUID, null, group).map(ProcOwners.Holding::owner))
                .contains(new Owner(4242, "qemu-system-x86_64"));
        assertThat(scan().holderOf(UUID, cdev, null).map(ProcOwners.Holding::owner))
                .contains(new Owner(4343, "kworker/u8:1-ev"));
    }

    @Test
    void aHolderOfTheCdev() {
        host.process(77, "dpdk-testpmd", cdev);

        assertThat(scan().holderOf(UUID, cdev, group).map(ProcOwners.Holding::owner)).contains(new Owner(77, "dpdk-testpmd"));
        assertThat(scan().holderOf("other", null, host.dev.resolve("vfio/13"))).isEmpty();
    }

    /** Linux 6.18+: a device fd whose group fd was closed still names its device in fdinfo. */
    @Test
    void aDeviceFdIsAttributedByItsFdinfoSyspath() {
        host.deviceFd(500, "qemu-system-x86", 9, SYSPATH);
        host.deviceFd(501, "other", 9, "/sys/devices/pci0000:00/0000:00:05.0");

        ProcOwners owners = scan();
        ProcOwners.Holding h = owners.holderOf(UUID, cdev, group).orElseThrow();

        assertThat(h.owner()).isEqualTo(new Owner(500, "qemu-system-x86"));
        assertThat(h.through()).isEqualTo("a device fd (" + host.proc.resolve("500/fd/9") + ")");
        assertThat(owners.holderOf("0000:00:05.0", null, null).map(ProcOwners.Holding::owner))
                .contains(new Owner(501, "other"));
        assertThat(owners.candidates("mtty")).isEmpty();
    }

    /** Before 6.18 a device fd names no device: no holder, but a candidate the sentence names. */
    @Test
    void aDeviceFdWithoutSyspathIsACandidateOnly() {
        host.deviceFd(600, "qemu-system-x86", 11, null);

        ProcOwners owners = scan();

        assertThat(owners.holderOf(UUID, cdev, group)).isEmpty();
        assertThat(owners.candidates("mtty")).singleElement().asString()
                .startsWith("qemu-system-x86 (pid 600) holds a vfio device fd").contains("6.18");
    }

    /** A data_fd says a process migrates a device of that driver: a candidate for that driver's devices only. */
    @Test
    void dataFdsNameTheirDriver() {
        host.anonFd(700, "qemu-system-x86", 20, "xe_vfio_mig");
        host.anonFd(701, "qemu-system-x86", 20, "virtiovf_mig");
        host.anonFd(702, "qemu-system-x86", 20, "qat_vf_mig");
        host.anonFd(703, "bash", 3, "[eventfd]");

        ProcOwners owners = scan();

        assertThat(owners.candidates("xe-vfio-pci")).containsExactly(
                "qemu-system-x86 (pid 700) holds a xe-vfio-pci migration data_fd (anon_inode:xe_vfio_mig)");
        assertThat(owners.candidates("virtio_vfio_pci")).singleElement().asString().contains("pid 701");
        assertThat(owners.candidates("qat_vfio_pci")).singleElement().asString().contains("pid 702");
        assertThat(owners.candidates("mlx5_vfio_pci")).isEmpty();
        assertThat(owners.candidates("vfio-pci")).isEmpty();
    }

    @Test
    void rootSeesEveryProcessOthersDoNot() {
        assertThat(scan().seesEveryProcess()).isTrue();
        host.runAs(1000);
        assertThat(scan().seesEveryProcess()).isFalse();
        FakeHost.write(host.proc.resolve("self/status"), "Name:\tjava\n");
        assertThat(scan().seesEveryProcess()).as("no Uid line: unknown, so not root").isFalse();
    }

    /** Every data_fd name of Linux 7.3's migration drivers is in the table, once. */
    @Test
    void theDriverTableKnowsEveryDataFdOf73() {
        assertThat(MigrationDrivers.ALL).extracting(MigrationDrivers.Driver::dataFd).containsExactlyInAnyOrder(
                "mlx5vf_mig", "hisi_acc_vf_mig", "pds_vfio_lm", "virtiovf_mig", "qat_vf_mig", "xe_vfio_mig", "mtty_mig");
        assertThat(MigrationDrivers.ALL).extracting(MigrationDrivers.Driver::name).doesNotHaveDuplicates();
    }

    /**
     * A QEMU's QMP socket: /proc/net/unix lists the listening socket (flag __SO_ACCEPTCON) and the
     * connection QEMU accepted on it under the same path; only the listening one's holder is QEMU.
     */
    @Test
    void theListenerOfAUnixSocketIsTheHolderOfItsListeningInode() {
        Path sock = tmp.resolve("vm.qmp");
        FakeHost.write(host.proc.resolve("net/unix"), "Num       RefCount Protocol Flags    Type St Inode Path\n"
                + "0000000000000000: 00000002 00000000 00000000 0001 03 88001 " + sock + "\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 88000 " + sock + "\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 77000 /run/other.sock\n"
                + "0000000000000000: 00000003 00000000 00000000 0001 03 66000\n");
        host.anonFd(4343, "bash", 3, "[eventfd]");
        FakeHost.link(host.proc.resolve("4343/fd/4"), Path.of("socket:[88001]"));
        host.anonFd(4242, "qemu-system-x86", 3, "[eventfd]");
        FakeHost.link(host.proc.resolve("4242/fd/9"), Path.of("socket:[88000]"));
        FakeHost.write(host.proc.resolve("4242/cmdline"), "/usr/bin/qemu-system-x86_64\0-qmp\0");

        assertThat(ProcOwners.socketListener(host.proc, sock)).contains(new Owner(4242, "qemu-system-x86_64"));
        assertThat(ProcOwners.socketListener(host.proc, tmp.resolve("none.qmp"))).isEmpty();
        assertThat(ProcOwners.socketListener(host.proc, Path.of("/run/other.sock"))).as("nobody visible holds it")
                .isEmpty();
    }

    /** Two listening sockets on one path (the first unlinked, the path bound again), or one held by two processes. */
    @Test
    void severalListenersOnOneSocketPathNameNobody() {
        Path sock = tmp.resolve("vm.qmp");
        FakeHost.write(host.proc.resolve("net/unix"), "Num       RefCount Protocol Flags    Type St Inode Path\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 88000 " + sock + "\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 99000 " + sock + "\n");
        host.anonFd(4242, "qemu-system-x86", 3, "[eventfd]");
        FakeHost.link(host.proc.resolve("4242/fd/9"), Path.of("socket:[88000]"));
        host.anonFd(5353, "impostor", 3, "[eventfd]");
        FakeHost.link(host.proc.resolve("5353/fd/9"), Path.of("socket:[99000]"));
        assertThat(ProcOwners.socketListener(host.proc, sock)).isEmpty();

        FakeHost.write(host.proc.resolve("net/unix"), "Num       RefCount Protocol Flags    Type St Inode Path\n"
                + "0000000000000000: 00000002 00000000 00010000 0001 01 88000 " + sock + "\n");
        FakeHost.link(host.proc.resolve("5353/fd/10"), Path.of("socket:[88000]"));
        assertThat(ProcOwners.socketListener(host.proc, sock)).as("an inherited listening fd").isEmpty();
    }

    /** A process exiting while its fd directory is read fails that readdir: it is skipped, the others are named. */
    @Test
    void aProcessThatExitsMidReaddirIsSkippedAndTheScanGoesOn() {
        host.process(100, "exiting", group);
        host.process(200, "qemu-system-x86", cdev);
        Path vanishing = host.proc.resolve("100/fd");
        ProcOwners.Directories dirs = dir -> {
            DirectoryStream<Path> real = Files.newDirectoryStream(dir);
            if (!dir.equals(vanishing)) {
                return real;
            }
            return new DirectoryStream<>() {
                @Override
                public Iterator<Path> iterator() {
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            throw new DirectoryIteratorException(new NoSuchFileException(dir.toString()));
                        }

                        @Override
                        public Path next() {
                            throw new NoSuchElementException();
                        }
                    };
                }

                @Override
                public void close() throws IOException {
                    real.close();
                }
            };
        };

        ProcOwners owners = ProcOwners.scan(host.proc, host.dev.resolve("vfio"), dirs);

        assertThat(owners.holderOf(UUID, null, group)).isEmpty();
        assertThat(owners.holderOf(UUID, cdev, null).map(ProcOwners.Holding::owner))
                .contains(new Owner(200, "qemu-system-x86"));
    }

    /** The real thing: this host's /proc names the QEMU a test started as its QMP socket's listener. */
    @Test
    void aRealQemuIsTheListenerOfItsQmpSocket() throws Exception {
        try (QemuProcess vm = QemuProcess.start(tmp, "vm1")) {
            assertThat(new LinuxBackend(LinuxRoots.system()).socketListener(vm.qmp()))
                    .contains(new Owner((int) vm.pid(), QemuProcess.BINARY));
        }
    }

    /**
     * The start of the command line libvirt 9.0 gives a QEMU (as /proc shows it of one libvirtd
     * started; LibvirtCommandLineTest reads a real one), for a domain named {@code vm,one}: QEMU's
     * option syntax doubles the comma.
     */
    static final String LIBVIRT_CMDLINE = "/usr/bin/qemu-system-x86_64\0-name\0guest=vm,,one,debug-threads=on\0-S\0"
            + "-object\0{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\",\"file\":"
            + "\"/var/lib/libvirt/qemu/domain-3-vm,one/master-key.aes\"}\0-machine\0pc-q35-7.2,usb=off\0";

    @Test
    void aQemuLibvirtRunsIsNamedByItsDomain() {
        host.process(4242, "qemu-system-x86", group);
        FakeHost.write(host.proc.resolve("4242/cmdline"), LIBVIRT_CMDLINE);

        Owner o = scan().holderOf(UUID, cdev, group).orElseThrow().owner();

        assertThat(o).isEqualTo(new Owner(4242, "qemu-system-x86_64", "vm,one"));
        assertThat(o).hasToString("domain vm,one (libvirt, qemu pid 4242)");
    }

    /** -name guest= alone is QEMU's syntax anyone may use: without libvirt's domain directory it names no domain. */
    @Test
    void aQemuStartedByHandWithAGuestNameIsNamedByItsCommand() {
        host.process(4242, "qemu-system-x86", group);
        FakeHost.write(host.proc.resolve("4242/cmdline"), "/usr/bin/qemu-system-x86_64\0-name\0guest=vm1\0");

        Owner o = scan().holderOf(UUID, cdev, group).orElseThrow().owner();

        assertThat(o).isEqualTo(new Owner(4242, "qemu-system-x86_64"));
        assertThat(o).hasToString("qemu-system-x86_64 (pid 4242)");
    }

    /** A name with a terminal's escape in it (a domain's name is any text but '/') prints visibly. */
    @Test
    void aDomainNameWithAControlCharacterIsPrintedVisibly() {
        assertThat(ProcOwners.libvirtDomain(LIBVIRT_CMDLINE.replace("vm,,one", "vm\u001b[2J")))
                .contains("vm\u001b[2J");
        assertThat(new Owner(1, "qemu", "vm\u001b[2J").toString()).isEqualTo("domain vm\\u001b[2J (libvirt, qemu pid 1)");
        assertThat(ProcOwners.libvirtDomain("/usr/bin/qemu\0-name\0guest=\0/libvirt/qemu/domain-1-x/\0")).isEmpty();
        assertThat(ProcOwners.libvirtDomain("/usr/bin/qemu\0-name\0")).isEmpty();
    }
}

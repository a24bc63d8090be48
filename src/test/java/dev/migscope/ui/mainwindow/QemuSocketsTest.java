package dev.migscope.ui.mainwindow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the Attach to QEMU dialog's text names: {@link QemuController#sockets}. */
class QemuSocketsTest {

    @Test
    void oneSocketALineBlankLinesAndSurroundingBlanksDropped() {
        assertThat(QemuController.sockets("/tmp/src.qmp\n\n  /tmp/dst.qmp \t\n   \n"))
                .containsExactly(Path.of("/tmp/src.qmp"), Path.of("/tmp/dst.qmp"));
    }

    @Test
    void everyLineEndingSplits() {
        assertThat(QemuController.sockets("/a.qmp\r\n/b.qmp\r/c.qmp\u2028/d.qmp"))
                .containsExactly(Path.of("/a.qmp"), Path.of("/b.qmp"), Path.of("/c.qmp"), Path.of("/d.qmp"));
    }

    /** A line copied from QEMU's command line: {@code unix:PATH,server=on,wait=off} is PATH. */
    @Test
    void qemusOwnSpellingIsItsPath() {
        assertThat(QemuController.sockets("unix:/run/vm1.qmp,server=on,wait=off\nunix:/run/vm2.qmp"))
                .containsExactly(Path.of("/run/vm1.qmp"), Path.of("/run/vm2.qmp"));
    }

    @Test
    void aRelativePathStaysRelativeAndSpacesInsideAPathAreKept() {
        assertThat(QemuController.sockets("vm.qmp\n/tmp/my vm.qmp"))
                .containsExactly(Path.of("vm.qmp"), Path.of("/tmp/my vm.qmp"));
    }

    @Test
    void nothingButBlanksIsNoSocket() {
        assertThat(QemuController.sockets("")).isEmpty();
        assertThat(QemuController.sockets(" \n\t\n")).isEmpty();
    }
}

package dev.migscope.cli;

import dev.migscope.device.Visible;
import dev.migscope.json.Json;
import dev.migscope.stream.QemuStreamFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code migscope stream FILE}: what a QEMU migration stream carries, section by section and per VFIO device. */
@Command(name = "stream", description = {
    "Read a QEMU migration stream: `migrate file:PATH`, `migrate exec:cat>PATH`, a stream saved by "
            + "`migscope tap --save`, or a libvirt save image (`virsh save`).",
    "Prints the header, the configuration (machine type), every section in order (type, id, name, instance, "
            + "version, offset, size), RAM per pass, and each VFIO device's records per pass: SETUP_STATE, "
            + "DATA_STATE blocks, END_OF_STATE, INIT_DATA_SENT, CONFIG_STATE; its precopy, stop-copy and "
            + "config-space bytes.",
    "A damaged stream: what was read, then one line naming the offset where reading stopped (exit 4)."},
        subcommands = StreamExtractCommand.class)
final class QemuStreamCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // Optional to picocli, so that `stream extract ...` does not ask for the parent's FILE.
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The stream file.")
    Path file;

    @Option(names = "--json", description = "One JSON document: every section, RAM and VFIO per pass, and the "
            + "fields of the sections QEMU's vmdesc describes.")
    boolean json;

    @Override
    public Integer call() {
        if (file == null) {
            throw new CliFailure(ExitCode.USAGE, "missing FILE: migscope stream FILE [--json], or "
                    + "migscope stream extract FILE --device NAME OUT");
        }
        PrintWriter out = spec.commandLine().getOut();
        QemuStreamFile.Read r = read(file);
        if (json) {
            out.println(Json.write(dev.migscope.stream.StreamReport.json(r.summary(), r.libvirt(), r.fileSize())));
        } else {
            out.print(dev.migscope.stream.StreamReport.text(r.summary(), r.libvirt(), r.fileSize()));
        }
        out.flush();
        if (r.summary().failure().isPresent()) {
            throw new CliFailure(ExitCode.FILE, Visible.of(file.toString()) + ": "
                    + r.summary().failure().get().line());
        }
        return ExitCode.OK;
    }

    /** The file read; one that cannot be opened is exit 4 with the reason. */
    static QemuStreamFile.Read read(Path file) {
        try {
            return QemuStreamFile.read(file, null);
        } catch (IOException e) {
            throw new CliFailure(ExitCode.FILE, "cannot read " + Visible.of(file.toString()) + ": "
                    + Visible.of(e instanceof java.nio.file.NoSuchFileException ? "no such file"
                            : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                            : String.valueOf(e.getMessage())));
        }
    }
}

package dev.migscope.cli;

import dev.migscope.device.Visible;
import dev.migscope.stream.QemuStreamFile;
import dev.migscope.stream.StreamExtract;
import dev.migscope.stream.VfioData;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code migscope stream extract FILE --device NAME OUT}: one VFIO device's data as a stream file resume takes. */
@Command(name = "extract", description = {
    "Write one VFIO device's data from a QEMU migration stream to OUT, a migscope stream file: its DATA_STATE "
            + "payloads in order, each precopy pass and the stop-copy as phases. `migscope resume DEV OUT` then "
            + "feeds a device exactly what QEMU's destination was fed, as often as needed.",
    "OUT appears only when complete (written to a temporary file, then renamed)."})
final class StreamExtractCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The QEMU stream (as `migscope stream` reads).")
    Path file;

    @Parameters(index = "1", paramLabel = "OUT", description = "The stream file to write.")
    Path out;

    @Option(names = "--device", required = true, paramLabel = "NAME",
            description = "The device's section (0000:00:01.0/vfio) or its guest PCI path (0000:00:01.0), as "
                    + "`migscope stream FILE` lists them.")
    String device;

    @Option(names = "--driver", paramLabel = "DRIVER", defaultValue = "",
            description = "Record the source's driver (e.g. mtty): resume then refuses a device with another "
                    + "driver. The stream does not name it; without it the resuming driver validates the data.")
    String driver;

    @Override
    public Integer call() {
        QemuStreamFile.Read r = QemuStreamCommand.read(file);
        VfioData d = r.summary().device(device).orElseThrow(() -> new CliFailure(ExitCode.USAGE, "no VFIO device "
                + Visible.of(device) + " in " + Visible.of(file.toString()) + "; it has "
                + (r.summary().devices().isEmpty() ? "none" : String.join(", ",
                        r.summary().devices().stream().map(v -> Visible.of(v.name())).toList()))));
        try {
            StreamExtract.Extracted x = StreamExtract.extract(file, r, d, out, driver);
            PrintWriter o = spec.commandLine().getOut();
            o.println("extracted " + Visible.of(d.name()) + " to " + Visible.of(out.toString()) + ": "
                    + String.format("%,d", x.bytes()) + " bytes (" + x.precopyPasses() + " precopy "
                    + (x.precopyPasses() == 1 ? "pass" : "passes") + ", stop-copy "
                    + String.format("%,d", x.stopCopyBytes()) + ")");
            o.println("from " + Visible.of(x.origin()));
            o.flush();
            return ExitCode.OK;
        } catch (StreamExtract.RefusedException e) {
            throw new CliFailure(ExitCode.FILE, Visible.of(file.toString()) + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CliFailure(ExitCode.FILE, dev.migscope.device.MigrationFile.fileError(e, out, "write",
                    d.name()).message());
        }
    }
}
